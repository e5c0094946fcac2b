"""Personal data: the register, export, erasure by anonymisation, retention; accessibility and feedback."""
