"""Model registry (builtins, hub ids, local directories) and hidden-state extraction."""

from m2kt.models.extract import encode, normalize_layer
from m2kt.models.loader import LoadedModel
from m2kt.models.registry import list_models, load, resolve
from m2kt.models.spec import ModelInfo, ModelRef

__all__ = ["LoadedModel", "ModelInfo", "ModelRef", "encode", "list_models", "load",
           "normalize_layer", "resolve"]
