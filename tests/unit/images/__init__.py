"""ImageAPI: the renderers and the media storage."""
