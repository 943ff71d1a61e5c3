"""Form of the admin page that uploads a rate schedule."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from hwc.core.edge import date_within_bounds

MAX_CSV_BYTES = 1024 * 1024


class ImportScheduleForm(FlaskForm):
    region = SelectField(
        _l("Area"), coerce=int, invalid_choice_message=_l("Choose an area within your own."),
        validators=[DataRequired(message=_l("Choose the area the schedule covers."))])
    effective_from = DateField(
        _l("In force from"),
        validators=[DataRequired(message=_l("Enter the first day the schedule applies.")),
                    date_within_bounds])
    name = StringField(_l("Schedule name"), validators=[Optional(), Length(max=128)],
                       description=_l("Leave empty to name it after the area and date."))
    csv_file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose the CSV file of the schedule.")),
                    FileSize(MAX_CSV_BYTES, message=_l("The file is larger than 1 MB."))],
        render_kw={"accept": ".csv,text/csv"})

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [(region.id, f"{region.display_name()} ({region.code})")
                               for region in regions]
