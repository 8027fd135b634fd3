"""People, safe contacts, cases and their parties and children, risk instruments and assessments, incidents."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from agencies.models import Agency, AgencyObjectPermission, Area, Tracked, tracked_history
from cases.encryption import EncryptedTextField


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary"
    NOT_KNOWN = "not_known", "Not known"


class YesNoNotKnown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not known"


class Person(Tracked):
    """A victim or a perpetrator. The same person can be party to several cases."""

    class Ethnicity(models.TextChoices):
        WHITE_BRITISH = "white_british", "White British"
        WHITE_OTHER = "white_other", "White other"
        MIXED = "mixed", "Mixed or multiple ethnic groups"
        ASIAN = "asian", "Asian or Asian British"
        BLACK = "black", "Black, Black British, Caribbean or African"
        OTHER = "other", "Other ethnic group"
        NOT_KNOWN = "not_known", "Not known"

    class Sexuality(models.TextChoices):
        HETEROSEXUAL = "heterosexual", "Heterosexual"
        GAY_LESBIAN = "gay_lesbian", "Gay or lesbian"
        BISEXUAL = "bisexual", "Bisexual"
        OTHER = "other", "Other"
        NOT_KNOWN = "not_known", "Not known"

    class NationalityGroup(models.TextChoices):
        UK = "uk", "UK"
        A8 = "a8", "A8 country (Eastern European)"
        OTHER_EU = "other_eu", "Other EU"
        OTHER = "other", "Other"
        NOT_KNOWN = "not_known", "Not known"

    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    aliases = models.CharField(max_length=300, blank=True, help_text="Other names, separated by commas.")
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    ethnicity = models.CharField(max_length=20, choices=Ethnicity.choices, default=Ethnicity.NOT_KNOWN)
    sexuality = models.CharField(max_length=20, choices=Sexuality.choices, default=Sexuality.NOT_KNOWN)
    disability = models.CharField(max_length=10, choices=YesNoNotKnown.choices, default=YesNoNotKnown.NOT_KNOWN)
    trans = models.CharField(max_length=10, choices=YesNoNotKnown.choices, default=YesNoNotKnown.NOT_KNOWN)
    first_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    nationality_group = models.CharField(
        max_length=20, choices=NationalityGroup.choices, default=NationalityGroup.NOT_KNOWN
    )
    no_fixed_abode = models.BooleanField(default=False)

    history = tracked_history()

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["date_of_birth"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class SafeContact(Tracked):
    """How to reach a victim safely. Encrypted at rest; shown only with `cases.view_safecontact`."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="safe_contact")
    safe_address = EncryptedTextField(blank=True)
    safe_phone = EncryptedTextField(blank=True)
    safe_times = EncryptedTextField(blank=True)
    do_not_contact = EncryptedTextField(blank=True, help_text="Where and when never to make contact.")

    history = tracked_history(excluded_fields=["safe_address", "safe_phone", "safe_times", "do_not_contact"])

    class Meta:
        verbose_name = "safe contact"

    def __str__(self) -> str:
        return f"Safe contact of person {self.person_id}"


class Case(Tracked):
    """A victim's case: who harms them, the children in the household, the area and lead agency."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases_as_victim")
    perpetrators = models.ManyToManyField(Person, through="CaseParty", related_name="cases_as_perpetrator")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="cases")
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="led_cases")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    stalking = models.BooleanField(default=False)
    strangulation = models.BooleanField(default=False)
    honour_based_abuse = models.BooleanField(default=False)
    forced_marriage = models.BooleanField(default=False)
    sexual_violence = models.BooleanField(default=False)
    pregnancy = models.BooleanField(default=False)

    history = tracked_history(excluded_fields=["perpetrators"])

    class Meta:
        ordering = ["-opened_on", "-pk"]
        permissions = [("view_safecontact", "Can see the victim's safe contact details")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True) | models.Q(closed_on__gte=models.F("opened_on")),
                name="case_closed_after_opened",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_on__isnull=True)
                | models.Q(status="closed", closed_on__isnull=False),
                name="case_status_matches_closed_on",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def has_children(self) -> bool:
        return bool(self.children.all())


class CaseAgencyPermission(AgencyObjectPermission):
    """Which agencies may see or change a case (and its people, assessments and incidents)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="agency_permissions")


class CaseReferenceCounter(models.Model):
    """The last reference number issued per year (DA-2026-000123), incremented under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Relationship(models.TextChoices):
    PARTNER = "partner", "Partner"
    EX_PARTNER = "ex_partner", "Ex-partner"
    FAMILY_MEMBER = "family_member", "Family member"
    CHILD_TO_PARENT = "child_to_parent", "Child to parent"
    OTHER = "other", "Other"


class CaseParty(Tracked):
    """A perpetrator in a case, and how they are related to the victim."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="case_parties")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "case parties"
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="case_party_unique")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relationship_display()}) in {self.case}"


class Child(Tracked):
    """A child in the victim's household."""

    class ChildRelationship(models.TextChoices):
        CHILD_OF_VICTIM = "child_of_victim", "Child of the victim"
        CHILD_OF_PERPETRATOR = "child_of_perpetrator", "Child of the perpetrator"
        CHILD_OF_BOTH = "child_of_both", "Child of both"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="children")
    age = models.PositiveSmallIntegerField(validators=[MaxValueValidator(17)])
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    relationship = models.CharField(
        max_length=30, choices=ChildRelationship.choices, default=ChildRelationship.CHILD_OF_VICTIM
    )

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "children"
        constraints = [models.CheckConstraint(condition=models.Q(age__lte=17), name="child_age_under_18")]

    def __str__(self) -> str:
        return f"Child aged {self.age} in {self.case}"


class RiskInstrument(models.Model):
    """A versioned risk instrument: itemised questions (DASH) or a recorded grade (external-grade)."""

    class Kind(models.TextChoices):
        ITEMISED = "itemised", "Itemised questions"
        GRADE = "grade", "Recorded grade"

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    version = models.CharField(max_length=20)
    # [{"key": "q1", "prompt": "..."}] for itemised instruments; prompts may be replaced by official wording.
    questions = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def question_keys(self) -> list[str]:
        return [question["key"] for question in self.questions]


class RiskLevel(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RiskAssessment(Tracked):
    """One risk assessment of a case: DASH answers and score, or another agency's recorded grade."""

    class ExternalTool(models.TextChoices):
        POLICE_DASH = "police_dash", "Police DASH"
        DARA = "dara", "DARA (College of Policing)"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments")
    instrument = models.ForeignKey(RiskInstrument, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey("agencies.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assessing_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="risk_assessments")
    answers = models.JSONField(default=dict, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(24)])
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    professional_judgement = models.BooleanField(default=False)
    professional_judgement_reason = models.TextField(blank=True)
    victim_view = models.TextField(blank=True, help_text="The victim's own view of the risk.")
    # For the external-grade instrument: another agency's grade, without item answers.
    external_grade = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    external_tool = models.CharField(max_length=20, choices=ExternalTool.choices, blank=True)
    external_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(professional_judgement=False) | ~models.Q(professional_judgement_reason=""),
                name="judgement_needs_reason",
            ),
            models.CheckConstraint(condition=models.Q(score__lte=24), name="score_at_most_24"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} of {self.case} on {self.assessed_on}"


class Incident(Tracked):
    """An incident between a case's victim and perpetrator, as reported to an agency."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="incidents")
    perpetrator = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents_as_perpetrator"
    )
    occurred_on = models.DateField()
    reported_to = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="incidents")
    is_crime = models.BooleanField(default=False)
    crime_type = models.CharField(max_length=80, blank=True)
    source_reference = models.CharField(
        max_length=64, help_text="The reporting agency's own reference, e.g. a police incident number."
    )

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reported_to", "source_reference"], name="incident_source_reference_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["case", "occurred_on"]),
            # The annual report's police figures: incidents reported to the police forces in a period, and
            # their crimes and cases, read from the index alone (docs/performance.md).
            models.Index(
                fields=["reported_to", "occurred_on", "is_crime", "case", "id"], name="incident_reported_occurred"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_reference} ({self.occurred_on})"
