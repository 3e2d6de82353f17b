"""Import formats for the admin's imports (django-import-export).

Russian Excel saves CSV with ``;`` (the comma is the decimal separator), and our own exports
write ``;`` too; tablib reads CSV with ``,`` only, so such a file failed with
"InvalidDimensions". ``SniffedCSV`` reads the header line and takes ``;``, ``,`` or a tab,
whichever splits it into the most columns (a quoted header is left to ``csv.Sniffer``).
"""

import csv

from import_export.formats import base_formats

DELIMITERS = ";,\t"


def detect_delimiter(text: str) -> str:
    """The delimiter of a CSV text, judged from its first line."""
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


class SniffedCSV(base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes) and self.encoding:
            in_stream = in_stream.decode(self.encoding)
        if isinstance(in_stream, str):
            kwargs.setdefault("delimiter", detect_delimiter(in_stream))
        return super().create_dataset(in_stream, **kwargs)


IMPORT_FORMATS = [
    SniffedCSV if fmt is base_formats.CSV else fmt for fmt in base_formats.DEFAULT_FORMATS
]
