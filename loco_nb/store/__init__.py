"""Storage: sessions on disk, written atomically."""
