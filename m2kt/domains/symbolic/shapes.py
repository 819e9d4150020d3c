"""Architecture shapes of the symbolic suite's tiny models (no imports: safe for the registry)."""

TEACHER_SHAPE = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=512)
STUDENT_SHAPE = dict(hidden_size=64, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=256)
