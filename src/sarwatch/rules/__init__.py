"""sarwatch.rules: which duties and national rules apply, as sourced, dated data."""

from sarwatch.rules.catalogue import (
    Rule,
    RuleContext,
    SelectedRule,
    load_rules,
    select_rules,
)

__all__ = ["Rule", "RuleContext", "SelectedRule", "load_rules", "select_rules"]
