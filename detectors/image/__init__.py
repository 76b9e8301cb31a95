"""Image detection: protected insignia in listing photos, and OCR of printed text."""
