"""`__in` on integer columns ignores values outside the column's range, as `__exact` already does.

Django turns an out-of-range `pk=2**63` into "no rows" (IntegerFieldOverflow), but not
`pk__in=[2**63]`: SQLite's driver raises OverflowError and PostgreSQL refuses the comparison, so a
form's ModelMultipleChoiceField (the admin's permission picker, a rollout's location list) gave a
500 for an id no row can have. Here such a value matches nothing, and the form says the choice is
not valid. Registered on IntegerField, it serves every integer field and primary key.
"""
from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [value for value in self.rhs if not _outside(value, low, high)]
        return super().process_rhs(compiler, connection)


def _outside(value, low, high) -> bool:
    if not isinstance(value, int):
        return False
    return (low is not None and value < low) or (high is not None and value > high)
