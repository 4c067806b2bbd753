"""Compatibility name: the classic model's numpy twin lives in ``jazzsolo.models.classic``."""

from .models.classic import ModelConfig, NumpyLSTM, NumpyState, numpy_model, tensor_shapes

__all__ = ["ModelConfig", "NumpyLSTM", "NumpyState", "numpy_model", "tensor_shapes"]
