"""Reading a PDF safely: gate, sandboxed parsing, text lines, outline and OCR."""
