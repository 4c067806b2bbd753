"""Compatibility name: the classic torch model lives in ``jazzsolo.models.classic``."""

from .models.classic import ClassicLSTM, KerasLSTM, ModelConfig, keras_parameter_count

__all__ = ["ClassicLSTM", "KerasLSTM", "ModelConfig", "keras_parameter_count"]
