"""Storage: session files and their SQLite index, the trash, the project context cache."""
