from django import forms

from talkpage.moderation.models import Policy, ReportReason

ACTIONS = ["approve", "reject", "spam", "hide", "restore", "delete", "ban"]


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this comment?",
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Anything the moderators should know? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PolicyForm(forms.Form):
    policy = forms.ChoiceField(label="Site-wide policy", choices=Policy.choices)


class ArticlePolicyForm(forms.Form):
    policy = forms.ChoiceField(
        label="Policy for this article",
        choices=[("", "Follow the site-wide policy"), *Policy.choices],
        required=False,
    )


class BanForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to them)", required=False, max_length=500
    )
    days = forms.IntegerField(
        label="Days (empty: until lifted)", required=False, min_value=1, max_value=3650
    )
    hide_published = forms.BooleanField(
        label="Also hide their published comments", required=False
    )


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS if a != "ban"])
    comments = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, *args, comment_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].choices = [(i, i) for i in comment_ids]
