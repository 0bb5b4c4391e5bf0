"""Media: Polly speech with an S3 cache, audio checks, private storage with presigned
links, and the safe fetch of audio from a client's URL (DESIGN.md "Media")."""

# Polly's limit for plain text (billed characters), and so the reference's 903 bound of
# every text spoken on a call (ttspreview, call, autoconference, conference, blast). Kept
# here, not in tts.py, so that routes can name it without importing Polly's module.
MAX_TEXT = 3000

# Blast audio files: at most 5,242,880 bytes (RULINGS "blastvoice audio"); media.audio checks it.
MAX_AUDIO_BYTES = 5_242_880

# The standard-engine Polly voices a caller may choose with `voice` (US and British
# English, US Spanish). Kept here for the same reason: ttspreview declares its `voice`.
VOICES = (
    "Joanna",
    "Matthew",
    "Ivy",
    "Justin",
    "Kendra",
    "Kimberly",
    "Salli",
    "Joey",
    "Amy",
    "Brian",
    "Emma",
    "Miguel",
    "Lupe",
)
