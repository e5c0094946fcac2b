"""Reports: the coordinator's dashboard, the organisations' competence report and exports, transcripts."""
