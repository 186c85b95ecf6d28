#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""A small client of org.dmm.Mnd1 for the tests, written with dbus-python
(not with our generated code, so that the API is checked from outside).
The bus is $DBUS_SYSTEM_BUS_ADDRESS.

  mnd_bus.py get PATH IFACE PROP        print one property (plain text)
  mnd_bus.py objects                    print GetManagedObjects as JSON
  mnd_bus.py anchor-of PREFIX           print the Anchor path whose Prefix is PREFIX
  mnd_bus.py call METHOD [ARG...]       call a Manager method; print the reply as JSON,
                                        or "error NAME: message" and exit 1
  mnd_bus.py monitor LOG                append every signal from mnd to LOG as JSON
                                        lines; writes "ready" first
"""
import json
import os
import sys

import dbus

NAME = "org.dmm.Mnd1"
PATH = "/org/dmm/Mnd1"
MGR = NAME + ".Manager"


def bus():
    return dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])


def plain(v):
    """dbus-python values -> JSON-able Python values."""
    if isinstance(v, (dbus.Boolean,)):
        return bool(v)
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32,
                      dbus.Int64, dbus.UInt64)):
        return int(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath)):
        return str(v)
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def main():
    cmd = sys.argv[1]
    b = bus()
    if cmd == "get":
        obj = b.get_object(NAME, sys.argv[2])
        v = obj.Get(sys.argv[3], sys.argv[4], dbus_interface=dbus.PROPERTIES_IFACE)
        v = plain(v)
        print(json.dumps(v) if isinstance(v, bool) else v)
    elif cmd == "objects":
        om = dbus.Interface(b.get_object(NAME, PATH), "org.freedesktop.DBus.ObjectManager")
        print(json.dumps(plain(om.GetManagedObjects()), sort_keys=True))
    elif cmd == "anchor-of":
        om = dbus.Interface(b.get_object(NAME, PATH), "org.freedesktop.DBus.ObjectManager")
        for p, ifs in om.GetManagedObjects().items():
            a = ifs.get(NAME + ".Anchor")
            if a and str(a["Prefix"]) == sys.argv[2]:
                print(p)
                return 0
        return 1
    elif cmd == "call":
        mgr = dbus.Interface(b.get_object(NAME, PATH), MGR)
        try:
            r = getattr(mgr, sys.argv[2])(*sys.argv[3:])
        except dbus.exceptions.DBusException as e:
            print("error %s: %s" % (e.get_dbus_name(), e.get_dbus_message()))
            return 1
        print(json.dumps(plain(r) if r is not None else None))
    elif cmd == "monitor":
        from dbus.mainloop.glib import DBusGMainLoop
        from gi.repository import GLib

        DBusGMainLoop(set_as_default=True)
        b = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
        out = open(sys.argv[2], "a", buffering=1)

        def on_signal(*args, **kw):
            out.write(json.dumps({"signal": kw["member"], "path": str(kw["path"]),
                                  "interface": kw["interface"],
                                  "args": plain(list(args))}) + "\n")

        # Every signal the daemon's unique name sends, whatever it owns.
        b.add_signal_receiver(on_signal, sender_keyword="sender", member_keyword="member",
                              path_keyword="path", interface_keyword="interface",
                              bus_name=NAME)
        # add_signal_receiver's AddMatch is synchronous: from here on nothing is missed.
        out.write("ready\n")
        GLib.MainLoop().run()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
