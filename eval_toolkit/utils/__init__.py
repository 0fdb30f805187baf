"""Utilities for users of eval_toolkit.

:mod:`eval_toolkit.utils.estimator_checks` checks that a user's own scorers
and eval_toolkit's meta-estimators are reproducible, in the style of
scikit-learn's ``check_estimator`` / ``parametrize_with_checks``.
"""

__all__: list[str] = []
