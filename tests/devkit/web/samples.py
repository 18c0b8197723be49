"""Cards written by hand after Google's documented Cards v2 JSON (``google.apps.card.v1``).

Field names are the proto's JSON names (chat.v1.json ``GoogleAppsCardV1*`` schemas);
the content follows the samples on developers.google.com/workspace/chat (a contact
card, a button list, a grid, columns, a form dialog with a fixed footer).
"""

from __future__ import annotations

from typing import Any

AVATAR = "https://developers.google.com/chat/images/quickstart-app-avatar.png"

CONTACT_CARD: dict[str, Any] = {
    "header": {
        "title": "Sasha",
        "subtitle": "Software Engineer",
        "imageUrl": AVATAR,
        "imageType": "CIRCLE",
        "imageAltText": "Avatar for Sasha",
    },
    "sections": [
        {
            "header": "Contact Info",
            "collapsible": True,
            "uncollapsibleWidgetsCount": 1,
            "widgets": [
                {
                    "decoratedText": {
                        "startIcon": {"knownIcon": "EMAIL"},
                        "text": "sasha@example.com",
                    }
                },
                {
                    "decoratedText": {
                        "startIcon": {"knownIcon": "PERSON"},
                        "text": '<font color="#80e27e">Online</font>',
                    }
                },
                {
                    "decoratedText": {
                        "startIcon": {"knownIcon": "PHONE"},
                        "text": "+1 (555) 555-1234",
                    }
                },
            ],
        },
        {
            "widgets": [
                {
                    "decoratedText": {
                        "topLabel": "Order",
                        "text": "<b>#1234</b> shipped",
                        "bottomLabel": "Arrives Tuesday",
                        "startIcon": {"materialIcon": {"name": "schedule"}},
                        "wrapText": True,
                        "button": {
                            "text": "Track",
                            "onClick": {"openLink": {"url": "https://example.com/track/1234"}},
                        },
                    }
                },
                {
                    "decoratedText": {
                        "topLabel": "Notifications",
                        "text": "Email me updates",
                        "switchControl": {
                            "name": "updates",
                            "value": "on",
                            "selected": True,
                            "controlType": "SWITCH",
                        },
                    }
                },
                {
                    "buttonList": {
                        "buttons": [
                            {
                                "text": "Share",
                                "type": "FILLED",
                                "onClick": {"openLink": {"url": "https://example.com/share"}},
                            },
                            {
                                "text": "Edit",
                                "type": "OUTLINED",
                                "onClick": {
                                    "action": {
                                        "function": "goToView",
                                        "parameters": [{"key": "viewType", "value": "EDIT"}],
                                    }
                                },
                            },
                            {
                                "text": "Coloured",
                                "color": {"red": 0, "green": 0.5, "blue": 1, "alpha": 1},
                                "onClick": {"action": {"function": "colour"}},
                            },
                            {
                                "icon": {"materialIcon": {"name": "delete"}, "altText": "Delete"},
                                "altText": "Delete",
                                "type": "BORDERLESS",
                                "onClick": {"action": {"function": "delete"}},
                            },
                        ]
                    }
                },
                {"divider": {}},
                {"image": {"imageUrl": AVATAR, "altText": "Chat app avatar"}},
            ],
        },
        {
            "header": "A grid and columns",
            "widgets": [
                {
                    "grid": {
                        "title": "A fine collection of items",
                        "columnCount": 2,
                        "borderStyle": {"type": "STROKE", "cornerRadius": 4},
                        "items": [
                            {
                                "image": {"imageUri": AVATAR, "altText": "first"},
                                "title": "First item",
                                "subtitle": "one",
                            },
                            {
                                "image": {"imageUri": AVATAR, "altText": "second"},
                                "title": "Second item",
                                "layout": "TEXT_ABOVE",
                            },
                        ],
                        "onClick": {"openLink": {"url": "https://example.com/grid"}},
                    }
                },
                {
                    "columns": {
                        "columnItems": [
                            {
                                "horizontalSizeStyle": "FILL_AVAILABLE_SPACE",
                                "horizontalAlignment": "START",
                                "verticalAlignment": "CENTER",
                                "widgets": [{"textParagraph": {"text": "Left column"}}],
                            },
                            {
                                "horizontalSizeStyle": "FILL_MINIMUM_SPACE",
                                "horizontalAlignment": "END",
                                "widgets": [{"textParagraph": {"text": "Right column"}}],
                            },
                        ]
                    }
                },
                {
                    "chipList": {
                        "layout": "WRAPPED",
                        "chips": [
                            {
                                "label": "Docs",
                                "icon": {"knownIcon": "DESCRIPTION"},
                                "onClick": {"openLink": {"url": "https://example.com/docs"}},
                            },
                            {"label": "Later", "disabled": True},
                        ],
                    }
                },
            ],
        },
    ],
}

CONTACT_FORM_DIALOG: dict[str, Any] = {
    "header": {"title": "Add a contact"},
    "sections": [
        {
            "widgets": [
                {
                    "textInput": {
                        "name": "contactName",
                        "label": "First and last name",
                        "type": "SINGLE_LINE",
                        "hintText": "As it should be shown",
                        "initialSuggestions": {"items": [{"text": "Sasha"}, {"text": "Charlie"}]},
                        "autoCompleteAction": {"function": "suggestNames"},
                        "validation": {"characterLimit": 40},
                    }
                },
                {
                    "textInput": {
                        "name": "notes",
                        "label": "Notes",
                        "type": "MULTIPLE_LINE",
                        "value": "Met at the offsite",
                    }
                },
                {
                    "dateTimePicker": {
                        "name": "contactBirthdate",
                        "label": "Birthdate",
                        "type": "DATE_ONLY",
                        "valueMsEpoch": "788918400000",
                    }
                },
                {
                    "dateTimePicker": {
                        "name": "meeting",
                        "label": "Meet at",
                        "type": "DATE_AND_TIME",
                        "valueMsEpoch": "1768471200000",
                        "timezoneOffsetDate": 330,
                    }
                },
                {
                    "dateTimePicker": {
                        "name": "callAt",
                        "label": "Call at",
                        "type": "TIME_ONLY",
                        "valueMsEpoch": "34200000",
                    }
                },
                {
                    "selectionInput": {
                        "name": "contactType",
                        "label": "Contact type",
                        "type": "RADIO_BUTTON",
                        "items": [
                            {"text": "Work", "value": "Work", "selected": False},
                            {"text": "Personal", "value": "Personal", "selected": True},
                        ],
                    }
                },
                {
                    "selectionInput": {
                        "name": "interests",
                        "label": "Interests",
                        "type": "CHECK_BOX",
                        "items": [
                            {"text": "Chess", "value": "chess", "selected": True},
                            {"text": "Go", "value": "go", "bottomText": "the board game"},
                        ],
                    }
                },
                {
                    "selectionInput": {
                        "name": "newsletter",
                        "label": "Newsletter",
                        "type": "SWITCH",
                        "items": [{"text": "Subscribe", "value": "yes", "selected": False}],
                    }
                },
                {
                    "selectionInput": {
                        "name": "size",
                        "label": "Size",
                        "type": "DROPDOWN",
                        "items": [
                            {"text": "Small", "value": "S"},
                            {"text": "Large", "value": "L", "selected": True},
                        ],
                    }
                },
                {
                    "selectionInput": {
                        "name": "teammates",
                        "label": "Teammates",
                        "type": "MULTI_SELECT",
                        "multiSelectMaxSelectedItems": 3,
                        "multiSelectMinQueryLength": 1,
                        "externalDataSource": {"function": "findPeople"},
                        "items": [{"text": "Sasha", "value": "users/1", "selected": True}],
                    }
                },
            ]
        }
    ],
    "fixedFooter": {
        "primaryButton": {
            "text": "Submit",
            "onClick": {"action": {"function": "submitForm"}},
        },
        "secondaryButton": {
            "text": "Reset",
            "onClick": {"action": {"function": "openInitialDialog"}},
        },
    },
}
