"""Output's one home: the report model (`model`), the views that build reports from domain results
(`views/`), and the format registry with its pure renderers (`formats/`)."""
