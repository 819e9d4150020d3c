"""Architecture shapes of the symbolic suite's tiny models (no imports: safe for the registry)."""

TEACHER_SHAPE = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=512)
#: one layer, no dropout: with dropout 0.1 (and at width 64) the student could not learn
#: modular arithmetic from its own pool in the KD budget; see research/log.md
STUDENT_SHAPE = dict(hidden_size=128, num_hidden_layers=1, num_attention_heads=4,
                     intermediate_size=512, hidden_dropout_prob=0.0,
                     attention_probs_dropout_prob=0.0)
