"""One short handler per verb: parse the payload, call one use case, return a card."""
