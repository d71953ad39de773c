"""Index failures, each with a message that says what to do."""


class IndexError_(Exception):
    """Base for index problems (named to avoid shadowing the builtin ``IndexError``)."""


class IndexNotBuilt(IndexError_):
    """No index exists yet at the configured location."""


class IndexCorrupt(IndexError_):
    """An index directory exists but cannot be read."""


class EncoderMismatch(IndexError_):
    """The index was built with another encoder than the one configured."""


class ModelNotFound(IndexError_):
    """A local model directory is missing or incomplete."""
