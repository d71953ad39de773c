"""policyqa service layer: settings, the search service, HTTP API, CLI and evaluation."""
