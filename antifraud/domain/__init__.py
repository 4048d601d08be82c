"""The pure core: model, normalization, brands, policy. No I/O, no event loop, no clock."""
