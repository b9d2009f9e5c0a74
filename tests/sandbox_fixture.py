# Replaced by the sandbox work: provides the `hl_sandbox` fixture.
