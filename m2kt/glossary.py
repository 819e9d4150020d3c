"""One line per term the workbench and the CLI use: the glossary every page links to.

Kept in the engine (no Streamlit) so that pages, the CLI's help and the docs read one source.
"""

from __future__ import annotations

#: term → one line, in the order a newcomer meets them
GLOSSARY: dict[str, str] = {
    "M2KT": "Model-to-Model Knowledge Transmission: a teacher model hands a student model what "
            "it knows as a signed packet of concept-level summaries instead of examples.",
    "teacher / student": "The model that knows a task (a pretrained encoder with a trained "
                         "head) and the model that should learn it; they may differ in size, "
                         "architecture and tokenizer.",
    "concept": "A named unit of knowledge the task is about, e.g. the WordNet category "
               "noun.animal, or 'the chain evaluates to true'.",
    "concept manifold": "Where the teacher puts a concept in its hidden space: the mean of the "
                        "inputs it assigns to the concept (centroid), the main directions "
                        "they spread along (principal basis) and how far (spreads), and how "
                        "many there were.",
    "membership": "Which inputs belong to a concept: decided by the teacher's own answer, "
                  "never by a gold label.",
    "abstraction graph": "Typed relations between concepts extracted from the teacher: is_a "
                         "(from the teacher's own answers to containment probes) or "
                         "related_to (the concepts the teacher's own readout confuses a "
                         "concept with).",
    "readout confusion": "How related_to edges are found: for each concept, the three other "
                         "concepts the teacher's readout gives most probability to, on "
                         "average, on the inputs it assigns to that concept.",
    "reasoning trace": "For one query, the concepts the teacher's computation passes through: "
                       "its concept distribution layer by layer, and for chains its answer "
                       "after every hop.",
    "knowledge packet": "One signed file (.m2kt) with the concepts, manifolds, graph, traces, "
                        "readouts, optional anchors and provenance; checked by the reader "
                        "before anything uses it.",
    "provenance": "Who made a packet and how: teacher identity and weights hash, layers, "
                  "recipe, input counts, versions, creator, time, sequence number.",
    "anchors": "A few of the student's own unlabelled inputs sent to the teacher, whose "
               "teacher vectors travel in the packet; they pin down the map between the two "
               "spaces. Counted as crossing.",
    "relative readout": "A small head over an input's similarity profile (cosines to concept "
                        "labels and public words); each of its columns carries a projection "
                        "of the teacher's vector of one string, so every reference string is "
                        "counted as crossing.",
    "public words": "Words from a public vocabulary both sides can encode (the MiniLM "
                    "tokenizer's whole words, minus the teacher's own training words).",
    "atlas": "A teacher's signed vectors of public words, built once without any task "
             "(build-atlas). A task packet can name one by digest instead of carrying anchors: "
             "its strings are counted once per teacher (atlas strings), not per task.",
    "crossing strings": "Every string for which per-string information passes between the two "
                        "sides: student strings the teacher reads, and strings the packet "
                        "carries teacher information for (BENCHMARK v3). The figure compared "
                        "with knowledge distillation.",
    "ledger": "The count of what crossed and what each side read, kept for every transfer "
              "and every baseline: to_teacher, task_strings, atlas_strings, crossing_inputs, "
              "bytes.",
    "review / approval": "A person reads the packet and approves or rejects it with a reason; "
                         "the decision goes to the append-only, hash-chained audit log. Only "
                         "an approved packet is ingested.",
    "CAL (Concept Alignment Layer)": "The small map the student learns from its own hidden "
                                     "space into the teacher's, so the packet's concepts can "
                                     "be read from the student's vectors.",
    "composite loss": "What trains the CAL: geometric (anchors land on their teacher vectors), "
                      "structural (graph relations hold), reasoning (agree with the traces), "
                      "safety (no drift of protected behaviour, bounded CAL).",
    "ingestion": "Turning an approved packet into a new student: encode the student's own "
                 "inputs, fit an initial map, train the CAL, refine on the student's own pool, "
                 "check the gates, evaluate. The input model is never changed.",
    "transductive refinement": "The student's own unlabelled inputs refine the map: the "
                               "readout's answers are smoothed over their nearest neighbours "
                               "and made to follow the teacher's class proportions.",
    "SHOT": "Source-free adaptation: the student's backbone is tuned so that its answers "
            "through the frozen CAL and readout are confident and follow the packet's class "
            "proportions (symbolic track).",
    "gate": "A check with a figure, a threshold and a verdict (pass, fail, not applicable). "
            "One failed gate means: do not deploy this student.",
    "alignment gate": "Held-out anchors must be found again through the CAL better than by "
                      "chance (top-1 retrieval above its permutation null).",
    "probe geometry drift": "How much the student's own geometry of protected probe inputs "
                            "changed; a large change means its prior behaviour moved.",
    "CKA": "Centered kernel alignment: a 0–1 similarity of two sets of vectors' geometries, "
           "shown beside its value for shuffled pairs.",
    "held-out accuracy": "The new student alone on a split nothing was trained or chosen on; "
                         "above its start by a one-sided binomial test (p < 0.05) to pass.",
    "start": "The student before any transfer: its label-free answers (nearest concept "
             "label) on a language task, the majority class on a symbolic one.",
    "retention": "The student's accuracy divided by the teacher's, on the same held-out split.",
    "knowledge distillation (KD)": "The usual way: the teacher answers N of the student's "
                                   "inputs and the student is trained on those answers.",
    "prior arm": "The strongest baseline with nothing crossing per string: the student's own "
                 "label-free answers re-balanced to the teacher's class proportions.",
    "parity": "How many crossing strings the strongest KD needs to reach M2KT's accuracy; "
              "'less data at parity' compares M2KT's count with it.",
    "controls": "M2KT fed a packet with its concepts permuted, or one built from a random "
                "head: both should fall to the prior arm, showing that M2KT's figure comes "
                "from the teacher's knowledge.",
    "dev / test": "Held-out labelled splits: every choice is made on dev; test only scores a "
                  "final report.",
    "variant": "A named recipe of ingestion (which stages run, with which settings).",
}


def lookup(term: str) -> str:
    """The one-line meaning of ``term`` (KeyError for an unknown term)."""
    return GLOSSARY[term]
