"""pdf2audiobook: turn a PDF into an audiobook."""

import os

# onnxruntime (OCR and voices) phones home unless told not to, and reads this only
# when it is first imported: set it before anything can import it.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
