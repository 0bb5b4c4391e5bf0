"""Media: Polly speech with an S3 cache, audio checks, private storage with presigned
links, and the safe fetch of audio from a client's URL (DESIGN.md "Media")."""
