"""What policyqa knows about Chinese policy text, used by every stage (ingest, index, answering):

- ``sentences``: sentence, clause and heading rules;
- ``places``: the gazetteer (places, nicknames, which area contains which);
- ``tokens``: jieba words with the policy-term dictionary and stop words;
- ``synonyms``: parents' words to policy words (hand list and cnsyn groups).

It is the bottom layer: it imports nothing else of policyqa.
"""
