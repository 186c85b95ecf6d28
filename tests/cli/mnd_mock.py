# SPDX-License-Identifier: BSD-3-Clause
'''python-dbusmock template: a fake mnd for tests/cli/test-mnctl.sh.

    /usr/bin/python3 -m dbusmock --system --template tests/cli/mnd_mock.py

owns org.dmm.Mnd1 with the Manager at /org/dmm/Mnd1 (also the
ObjectManager, as in mnd) and three Anchors, following
dbus/org.dmm.Mnd1.xml. Methods behave by address so that every error
mnctl maps can be produced:

    an Anchor's Address     ok (KeepAddress sets its Pin to keep, Release to release)
    2001:db8:3::5           org.dmm.Mnd1.Error.NotSupported
    2001:db8:4::1           org.freedesktop.DBus.Error.AccessDenied
    2001:db8:4::2           org.dmm.Mnd1.Error.PermissionDenied
    anything else           org.dmm.Mnd1.Error.NotFound

Notify on interface "slow0" answers after 2 s (for --timeout). The test
drives events through org.dmm.Mnd1.Mock.AddAnchor/RemoveAnchor/SetCurrent and
dbusmock's own EmitSignal/UpdateProperties.
'''
import time

import dbus

from dbusmock import mockobject

BUS_NAME = 'org.dmm.Mnd1'
MAIN_OBJ = '/org/dmm/Mnd1'
MAIN_IFACE = 'org.dmm.Mnd1.Manager'
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

ANCHOR_IFACE = 'org.dmm.Mnd1.Anchor'
CONTROL_IFACE = 'org.dmm.Mnd1.Mock'
ERR = 'org.dmm.Mnd1.Error.'


def mono_us(offset_s=0.0):
    '''CLOCK_MONOTONIC in microseconds, as mnd publishes times.'''
    return dbus.UInt64(int((time.clock_gettime(time.CLOCK_MONOTONIC) + offset_s) * 1e6))


def anchor_props(dar, prefix, is_dar, address, role, pin, binding, coa='', seq=0, granted=0,
                 expires=None, ack=None, backend='', device='', flows=0):
    return {
        'Dar': dbus.String(dar),
        'Prefix': dbus.String(prefix),
        'IsDar': dbus.Boolean(is_dar),
        'Address': dbus.String(address),
        'Role': dbus.UInt32(role),
        'Pin': dbus.UInt32(pin),
        'BindingState': dbus.UInt32(binding),
        'CareOfAddress': dbus.String(coa),
        'Sequence': dbus.UInt16(seq),
        'LifetimeGranted': dbus.UInt32(granted),
        'LifetimeRemaining': dbus.UInt32(granted),
        'Expires': expires if expires is not None else dbus.UInt64(0),
        'LastAcknowledgement': ack if ack is not None else dbus.UInt64(0),
        'LastStatus': dbus.UInt32(0),
        'TunnelBackend': dbus.String(backend),
        'TunnelDevice': dbus.String(device),
        'Flows': dbus.UInt32(flows),
    }


def add_anchor(mock, n, props):
    path = f'{MAIN_OBJ}/Anchor/{n}'
    mock.AddObject(path, ANCHOR_IFACE, props, [])
    mock.object_manager_emit_added(path)
    return path


def find_anchor(address):
    for path, obj in mockobject.objects.items():
        p = obj.props.get(ANCHOR_IFACE)
        if p and p.get('Address') == address:
            return obj
    return None


def pin(address, value):
    if address == '2001:db8:3::5':
        raise dbus.exceptions.DBusException('its router is not a DAR', name=ERR + 'NotSupported')
    if address == '2001:db8:4::1':
        raise dbus.exceptions.DBusException('Rejected send message (policy)',
                                            name='org.freedesktop.DBus.Error.AccessDenied')
    if address == '2001:db8:4::2':
        raise dbus.exceptions.DBusException('not in group netdev', name=ERR + 'PermissionDenied')
    obj = find_anchor(address)
    if obj is None:
        raise dbus.exceptions.DBusException(f'{address} is not one of our addresses',
                                            name=ERR + 'NotFound')
    obj.UpdateProperties(ANCHOR_IFACE, {'Pin': dbus.UInt32(value)})


def keep_address(self, address):
    pin(address, 1)


def release_address(self, address):
    pin(address, 2)


def notify(self, interface, event):
    if interface == 'slow0':
        time.sleep(2)


def list_flows(self):
    a1 = dbus.ObjectPath(MAIN_OBJ + '/Anchor/1')
    a2 = dbus.ObjectPath(MAIN_OBJ + '/Anchor/2')
    return dbus.Array([
        dbus.Dictionary({
            'cookie': dbus.UInt64(4097, variant_level=1),
            'protocol': dbus.String('tcp', variant_level=1),
            'local': dbus.String('2001:db8:1:0:1c2d:3e4f:5a6b:7c8d', variant_level=1),
            'local-port': dbus.UInt16(40000, variant_level=1),
            'remote': dbus.String('2001:db8:ff::10', variant_level=1),
            'remote-port': dbus.UInt16(443, variant_level=1),
            'state': dbus.String('established', variant_level=1),
            'uid': dbus.UInt32(1000, variant_level=1),
            'anchor': dbus.ObjectPath(a1, variant_level=1),
            'mode': dbus.String('continuity', variant_level=1),
            'why': dbus.String('default:tcp-open', variant_level=1),
        }, signature='sv'),
        dbus.Dictionary({
            'cookie': dbus.UInt64(4098, variant_level=1),
            'protocol': dbus.String('udp', variant_level=1),
            'local': dbus.String('2001:db8:2:0:aaaa:bbbb:cccc:dddd', variant_level=1),
            'local-port': dbus.UInt16(5353, variant_level=1),
            'remote': dbus.String('', variant_level=1),
            'remote-port': dbus.UInt16(0, variant_level=1),
            'state': dbus.String('unconnected', variant_level=1),
            'uid': dbus.UInt32(0, variant_level=1),
            'anchor': dbus.ObjectPath(a2, variant_level=1),
            'mode': dbus.String('bypass', variant_level=1),
            'why': dbus.String('rule:no "dns"', variant_level=1),
            'a-newer-key': dbus.String('ignored', variant_level=1),
        }, signature='sv'),
    ], signature='a{sv}')


def mock_add_anchor(self, n, dar):
    '''Mock control: a new Anchor N for DAR, with InterfacesAdded and AnchorAdded.'''
    prefix = dar.rsplit('::', 1)[0] + '::/64'
    path = add_anchor(self, n, anchor_props(dar, prefix, True, '', 0, 0, 1))
    self.EmitSignal(MAIN_IFACE, 'AnchorAdded', 'o', [dbus.ObjectPath(path)])


def mock_remove_anchor(self, n):
    path = f'{MAIN_OBJ}/Anchor/{n}'
    self.object_manager_emit_removed(path)
    self.RemoveObject(path)
    self.EmitSignal(MAIN_IFACE, 'AnchorRemoved', 'o', [dbus.ObjectPath(path)])


def mock_set_current(self, n, state):
    '''Mock control: State and CurrentAnchor at once, in one PropertiesChanged
    (dbusmock 0.28's UpdateProperties cannot wrap an object path).'''
    path = dbus.ObjectPath(f'{MAIN_OBJ}/Anchor/{n}' if n else '/')
    self.props[MAIN_IFACE]['State'] = dbus.UInt32(state)
    self.props[MAIN_IFACE]['CurrentAnchor'] = path
    self.EmitSignal('org.freedesktop.DBus.Properties', 'PropertiesChanged', 'sa{sv}as', [
        MAIN_IFACE,
        dbus.Dictionary({'State': dbus.UInt32(state, variant_level=1),
                         'CurrentAnchor': dbus.ObjectPath(path, variant_level=1)},
                        signature='sv'),
        dbus.Array([], signature='s')])


def load(mock, parameters):
    mock.AddProperties(MAIN_IFACE, {
        'Version': dbus.String('0.1.0'),
        'State': dbus.UInt32(3),
        'Interface': dbus.String('wlan0'),
        'CurrentAnchor': dbus.ObjectPath(MAIN_OBJ + '/Anchor/2'),
        'Backend': dbus.String('tun'),
        # Quotes, a backslash and a colon: JSON and terse escaping.
        'BackendReason': dbus.String('auto: "seg6" unavailable \\ fallback'),
        'Handovers': dbus.UInt32(3),
        'LastHandoverDuration': dbus.UInt32(142),
    })
    mock.AddMethod(MAIN_IFACE, 'Reload', '', '', '')
    mock.AddMethod(MAIN_IFACE, 'KeepAddress', 's', '', keep_address)
    mock.AddMethod(MAIN_IFACE, 'ReleaseAddress', 's', '', release_address)
    mock.AddMethod(MAIN_IFACE, 'Notify', 'ss', '', notify)
    mock.AddMethod(MAIN_IFACE, 'ListFlows', '', 'aa{sv}', list_flows)
    mock.AddMethod(CONTROL_IFACE, 'AddAnchor', 'us', '', mock_add_anchor)
    mock.AddMethod(CONTROL_IFACE, 'RemoveAnchor', 'u', '', mock_remove_anchor)
    mock.AddMethod(CONTROL_IFACE, 'SetCurrent', 'uu', '', mock_set_current)

    # 1: kept away from its DAR, bound for another 600 s, two flows.
    add_anchor(mock, 1, anchor_props(
        '2001:db8:1::1', '2001:db8:1::/64', True, '2001:db8:1:0:1c2d:3e4f:5a6b:7c8d', 2, 0, 3,
        coa='2001:db8:2:0:aaaa:bbbb:cccc:dddd', seq=7, granted=600, expires=mono_us(600),
        ack=mono_us(-5), backend='tun', device='mnt1', flows=2))
    # 2: where we are attached.
    add_anchor(mock, 2, anchor_props(
        '2001:db8:2::1', '2001:db8:2::/64', True, '2001:db8:2:0:aaaa:bbbb:cccc:dddd', 1, 0, 1))
    # 3: a plain router seen before; its address was let go.
    add_anchor(mock, 3, anchor_props('', '2001:db8:3::/64', False, '', 3, 0, 1))
