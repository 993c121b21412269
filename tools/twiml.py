"""TwiML answers (https://www.twilio.com/docs/voice/twiml), built as XML."""

from lxml import etree


def _document(root):
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def empty():
    """``<Response/>``: nothing to do (an SMS received, an outcome logged)."""
    return _document(etree.Element("Response"))


def dial(number, action):
    """Forward the call to ``number``; Twilio posts the outcome to ``action``."""
    root = etree.Element("Response")
    element = etree.SubElement(root, "Dial", action=action, method="POST")
    element.text = number
    return _document(root)


def voicemail(greeting, action, max_length=120):
    """Say ``greeting``, then record a message posted to ``action``."""
    root = etree.Element("Response")
    if greeting:
        etree.SubElement(root, "Say").text = greeting
    etree.SubElement(
        root,
        "Record",
        action=action,
        method="POST",
        maxLength=str(max_length),
        playBeep="true",
    )
    return _document(root)
