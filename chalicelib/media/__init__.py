"""Media: Polly speech with an S3 cache, audio checks, private storage with presigned
links, and the safe fetch of audio from a client's URL (DESIGN.md "Media")."""

# Polly's limit for plain text (billed characters), and so the reference's 903 bound of
# every text spoken on a call (ttspreview, call, autoconference, conference, blast). Kept
# here, not in tts.py, so that routes can name it without importing Polly's module.
MAX_TEXT = 3000
