"""The built-in task names, in pipeline order (no imports: cheap for the CLI's argument parser)."""

LANGUAGE_TASKS: tuple[str, ...] = ("supersense", "hypernymy", "gloss")
SYMBOLIC_TASKS: tuple[str, ...] = ("taxonomy", "modular", "multistep")
REASONING_TASKS: tuple[str, ...] = ("boolexpr", "propeval", "sign")
TASKS: tuple[str, ...] = (*LANGUAGE_TASKS, *SYMBOLIC_TASKS, *REASONING_TASKS)
