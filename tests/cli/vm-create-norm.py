#!/usr/bin/env python3
"""vm-create-norm.py FILE PATH [keep-mac]: the elements at PATH (an
ElementTree path relative to <domain>, e.g. "devices/disk") of the first
domain in FILE, normalised so vm-create's and virt-install's output compare
equal when they mean the same thing, then canonicalised (C14N 2.0):
  - what differs by design is dropped: <uuid>, <mac> (unless keep-mac),
    <emulator>, <domain type>;
  - what virt-install's test:///default driver cannot know is dropped:
    <driver type> (it does not probe images) and <driver name='qemu'>;
  - libvirt's defaults spelled out or not are made equal: unit='KiB',
    placement='static', topology dies='1';
  - the children of <disk>, <interface>, <cpu> and <memoryBacking> are
    sorted, since libvirt accepts them in any order."""
import sys
import xml.etree.ElementTree as ET

DROP_ATTR = {("memory", "unit", "KiB"), ("currentMemory", "unit", "KiB"),
             ("vcpu", "placement", "static"), ("topology", "dies", "1"),
             ("driver", "name", "qemu")}
SORTED = {"disk", "interface", "cpu", "memoryBacking"}


def norm(el, keep_mac):
    for k, v in list(el.attrib.items()):
        if (el.tag, k, v) in DROP_ATTR or (el.tag, k) == ("driver", "type"):
            del el.attrib[k]
    for ch in list(el):
        if ch.tag in ("uuid", "emulator") or (ch.tag == "mac" and not keep_mac):
            el.remove(ch)
            continue
        norm(ch, keep_mac)
        if ch.tag == "driver" and not ch.attrib:
            el.remove(ch)
    if el.tag in SORTED:
        kids = sorted(el, key=lambda c: (c.tag, sorted(c.attrib.items())))
        for c in list(el):
            el.remove(c)
        el.extend(kids)
    el.text = el.text.strip() if el.text and el.text.strip() else None
    el.tail = None


def main():
    text = open(sys.argv[1]).read()
    first = text[:text.index("</domain>") + len("</domain>")]
    root = ET.fromstring(first)
    keep_mac = len(sys.argv) > 3 and sys.argv[3] == "keep-mac"
    for el in root.findall(sys.argv[2]):
        norm(el, keep_mac)
        print(ET.canonicalize(ET.tostring(el, encoding="unicode")))


main()
