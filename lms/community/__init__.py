"""The meeting place: a discussion board per cycle and an opt-in directory of people and organisations."""
