"""Error hierarchy of the engine.

Every error a user can cause is an :class:`M2KTError` subclass whose message is one readable
line.  The CLI prints ``ERROR <ClassName>: <message>`` and exits with :attr:`exit_code`
(2 for bad input or usage, 1 for a failed verification gate), per DESIGN §10.
"""

from __future__ import annotations


class M2KTError(Exception):
    """Base of every error the engine raises on purpose. ``exit_code`` is the CLI status."""

    exit_code: int = 2


class UsageError(M2KTError):
    """A command line or argument combination that makes no sense."""


class ClusterError(M2KTError):
    """The distributed engine cannot run the work: an unreachable ``RAY_ADDRESS``, a shard
    that failed after its retries."""


class WorkspaceError(M2KTError):
    """The workspace directory or its database cannot be created, opened or migrated."""


class ModelError(M2KTError):
    """Base for everything that goes wrong resolving or loading a model."""


class UnknownModelError(ModelError):
    """A bare name that is neither a builtin, an ingested student, nor a cached hub model."""


class ModelPathError(ModelError):
    """A local path that does not exist or is not a directory."""


class NotAModelError(ModelError):
    """A directory that exists but holds no loadable Hugging Face model."""


class CorruptWeightsError(ModelError):
    """A weights file that cannot be parsed or does not fit the model's config."""


class OfflineModelError(ModelError):
    """A hub id that is not in the local cache while the hub cannot be reached."""


class UnsupportedModelError(ModelError):
    """A model whose architecture or weight format this engine refuses (e.g. pickled weights)."""


class ModelUnavailableError(ModelError):
    """A builtin whose backing package is not installed (the message says which to install)."""


class ExtractionError(M2KTError):
    """Bad arguments to hidden-state extraction (layer out of range, unknown pooling …)."""


class LayerError(ExtractionError):
    """A layer index outside ``[-(L+1), L]`` for a model with L layers."""


class GateFailure(M2KTError):
    """A verification gate failed: the command ran, but the result must not be trusted."""

    exit_code = 1


class PreflightStop(GateFailure):
    """Ingestion stopped before training because it cannot help (too few student texts, or a
    student that already answers as well as the teacher); nothing was written."""


class PacketError(M2KTError):
    """Base of every reason a knowledge packet is refused (DESIGN §6, reliability.md §2)."""


class FormatError(PacketError):
    """Not an m2kt packet container: bad magic, truncated, bad zip structure, bad names."""


class LimitError(PacketError):
    """A size, count or depth cap was exceeded (checked before the allocation it guards)."""


class IntegrityError(PacketError):
    """Members missing, extra, or not matching the digests the signature covers."""


class SignatureError(PacketError):
    """The signature envelope is malformed, uses another algorithm, or does not verify."""


class TrustError(SignatureError):
    """The signing key is not in the trust store (or not pinned for this teacher)."""


class ReplayError(PacketError):
    """The packet's sequence number is old, duplicate, too far ahead, or its time is off."""


class SchemaError(PacketError):
    """Strict JSON or schema violation (unknown fields, wrong types, NaN, duplicate keys)."""


class SemanticError(PacketError):
    """Well-formed but inconsistent: tensor dtype/shape/finiteness, duplicate concept ids."""


class GraphError(PacketError):
    """Abstraction graph problems: dangling edges, self-loops, is_a cycles, limits."""
