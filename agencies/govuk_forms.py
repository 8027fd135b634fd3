"""GOV.UK Frontend markup for Django forms: the form renderer, a bound field, a form mixin and the date input."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import widgets
from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    """Renders forms and fields with the project's GOV.UK templates (templates/govuk/forms/).

    TemplatesSetting looks templates up through the TEMPLATES setting, so the project's
    templates directory is searched, and Django's own widget templates come from the
    `django.forms` app.
    """

    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"


# The GOV.UK class for each kind of widget and the class it adds when the field has
# errors. Subclasses come before the classes they extend: the first match wins. Radios
# and checkboxes are left alone because govuk/forms/field.html writes their markup.
_WIDGET_CLASSES: tuple[tuple[type[widgets.Widget], str, str], ...] = (
    (widgets.RadioSelect, "", ""),  # and CheckboxSelectMultiple
    (widgets.CheckboxInput, "", ""),
    (widgets.SelectDateWidget, "govuk-select", "govuk-select--error"),
    (widgets.Select, "govuk-select", "govuk-select--error"),  # and SelectMultiple
    (widgets.Textarea, "govuk-textarea", "govuk-textarea--error"),
    (widgets.FileInput, "govuk-file-upload", "govuk-file-upload--error"),
    (widgets.MultiWidget, "govuk-input", "govuk-input--error"),
    (widgets.Input, "govuk-input", "govuk-input--error"),
)

# Fixed widths for inputs whose answers are short, unless the widget sets its own.
_WIDTH_CLASSES: tuple[tuple[type[widgets.Widget], str], ...] = (
    (widgets.DateTimeInput, "govuk-input--width-20"),
    (widgets.TimeInput, "govuk-input--width-5"),
    (widgets.DateInput, "govuk-input--width-10"),
    (widgets.NumberInput, "govuk-input--width-10"),
)


def govuk_widget_classes(*, widget: widgets.Widget, has_errors: bool) -> list[str]:
    """Return the GOV.UK CSS classes for a widget, with its error modifier if the field has errors."""
    match = next(
        (
            (css_class, error_class)
            for widget_class, css_class, error_class in _WIDGET_CLASSES
            if isinstance(widget, widget_class)
        ),
        None,
    )
    if widget.is_hidden or match is None:
        return []
    css_class, error_class = match
    classes = [css_class] if css_class else []
    if has_errors and error_class:
        classes.append(error_class)
    own_classes = str(widget.attrs.get("class", ""))
    if "width-" not in own_classes:
        for widget_class, width_class in _WIDTH_CLASSES:
            if isinstance(widget, widget_class):
                classes.append(width_class)
                break
    return classes


def _join_classes(*class_lists: str | list[str]) -> str:
    """Join space-separated class strings and lists, keeping the first occurrence of each."""
    names: list[str] = []
    for class_list in class_lists:
        parts = class_list.split() if isinstance(class_list, str) else class_list
        names.extend(name for name in parts if name not in names)
    return " ".join(names)


class GovukBoundField(forms.BoundField):
    """A bound field whose widget gets GOV.UK classes when it is rendered.

    The classes are worked out at render time, so a field gets its error class
    (govuk-input--error and so on) whenever it has errors, including errors added
    with `form.add_error` after validation. Django 5.2 itself adds aria-invalid and
    points aria-describedby at `<auto_id>_helptext` and `<auto_id>_error`, the ids
    govuk/forms/field.html gives the hint and the error message.
    """

    def build_widget_attrs(self, attrs: dict[str, Any], widget: widgets.Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = govuk_widget_classes(widget=widget, has_errors=bool(self.errors))
        if classes:
            # These attrs override the widget's own, so carry the widget's classes over.
            attrs["class"] = _join_classes(str(widget.attrs.get("class", "")), str(attrs.get("class", "")), classes)
        if isinstance(widget, widgets.EmailInput):
            # GOV.UK asks for spellcheck off on email addresses.
            attrs.setdefault("spellcheck", "false")
        return attrs


class GovukFormMixin:
    """Mixin for Form and ModelForm classes that renders them in GOV.UK Frontend markup.

    Put it first: `class ContactForm(GovukFormMixin, forms.Form)`. Its fields get the
    GOV.UK classes through GovukBoundField; the markup around them comes from the
    GovukFormRenderer templates. HTML `required` attributes are left out, as GOV.UK
    asks (optional fields say "(optional)" in their label instead), so that the
    service's own error messages are the ones people see.
    """

    bound_field_class: type[forms.BoundField] | None = GovukBoundField
    use_required_attribute: bool = False
    # Size of labels and legends: "s", "m" or "l".
    govuk_label_size: str = "m"
    # Name of the field whose label or legend is the page heading (<h1>), for one-question pages.
    govuk_page_heading: str | None = None


class GovukDateInput(forms.MultiWidget):
    """GOV.UK's date input: day, month and year boxes in a fieldset (ids <id>_0, <id>_1, <id>_2).

    The value is the three strings as typed, so that a wrong date is shown back as it was entered.
    """

    template_name = "govuk/forms/date_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        numeric = {"inputmode": "numeric", "spellcheck": "false"}
        super().__init__(
            {
                "day": forms.TextInput(attrs=numeric),
                "month": forms.TextInput(attrs=numeric),
                "year": forms.TextInput(attrs=numeric),
            },
            attrs,
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for subwidget, label, width in zip(
            context["widget"]["subwidgets"], ("Day", "Month", "Year"), (2, 2, 4), strict=True
        ):
            subwidget["label"] = label
            subwidget["width"] = width
        return context


class GovukDateField(forms.Field):
    """A date typed into a GOV.UK date input, with GOV.UK's error messages."""

    widget = GovukDateInput

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        given = dict(kwargs.get("error_messages") or {})
        super().__init__(required=required, **kwargs)
        # Django has already filled in its own "This field is required.": GOV.UK's wording replaces it
        # unless the form gave its own.
        if "required" not in given:
            label = str(self.label or "The date")
            self.error_messages["required"] = f"Enter {label[0].lower()}{label[1:]}"

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date) or value is None:
            return value
        parts = [str(part or "").strip() for part in value]
        if not any(parts):
            return None
        label = str(self.label or "The date")
        missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
        if missing:
            raise ValidationError(f"{label} must include a {' and a '.join(missing)}", code="incomplete")
        day, month, year = parts
        # A two-digit year is ambiguous: GOV.UK asks for all four digits.
        if not all(part.isdigit() for part in parts) or len(year) != 4:
            raise ValidationError(f"{label} must be a real date", code="invalid")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"{label} must be a real date", code="invalid") from None
