"""The Teams edge: HTTP, the Bot Framework adapter, turn handling and the `kestrel` command."""
