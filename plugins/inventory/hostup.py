# -*- coding: utf-8 -*-
# Copyright: hostup.cloud contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r"""
name: hostup
short_description: The VPSes of a HostUp account as inventory hosts
version_added: 0.2.0
description:
  - Lists the services of a HostUp account with C(GET /api/client-accounts) and makes one
    host per VPS, then reads each VPS with C(GET /api/vps-accounts/{id}) for its IP address,
    operating system and resources (a few at a time, through the same client as the modules,
    with the same retries, HTTP 429 waits and errors).
  - "Which services are VPSes: HostUp's list covers every service of the account (VPS, web
    hosting, domains) and does not document which field marks a VPS. The built-in rule is
    an inference from HostUp's documented example: a service is a VPS when its
    C(extra_details.usage) carries a C(vmdata) block (the usage of a virtual machine). A
    service is kept only if HostUp's per-VPS read knows it; a service it answers HTTP 404
    for is not a VPS and is left out. The services the rule leaves out are never silently
    dropped: a warning says how many (web hostings and domains among them) and that
    O(filters) includes them."
  - When O(filters) is set, the filters decide instead of the built-in rule; every service
    is read, and those the per-VPS read knows and all filters accept become hosts. Use this
    when the rule misses a VPS (for example one too new to have usage data).
  - "The host name is made from HostUp's text, which anyone who may edit the VPS in the HostUp
    panel controls: the VPS's hostname, else its name (label), each reduced to a safe name, else
    C(hostup-<vmid>). A safe name holds ASCII letters, digits, C(.), C(-) and C(_) only: accented
    letters lose their accents (C(Växjö) becomes C(Vaxjo)), every run of other characters (white
    space, braces, quotes, colons, control characters) becomes one C(-), a run of C(-) becomes one
    C(-), C(.), C(-) and C(_) are stripped from both ends, and the name is cut to 128 characters.
    So no host name is a Jinja template or a host pattern on any ansible-core version (before 2.19,
    ansible-core would run a lookup written into a host name), and no VPS is left out for its name.
    The variables C(hostup_hostname) and C(hostup_name) keep HostUp's text as sent."
  - "A name that two VPSes share stays with the lowest vmid; the others get C(-<vmid>) appended.
    So does a name that something else in the inventory already has: a name of the controller
    (C(localhost), C(127.0.0.1)), which would otherwise take every task delegated to C(localhost)
    to the VPS; a group (C(all), C(ungrouped), C(hostup_vps), a group of O(groups) or
    O(keyed_groups), a group of an inventory source parsed before this one), which a play's
    C(hosts:) would then match; or a host of an inventory source parsed before this one. Whatever
    had the name keeps it, with its variables (C(ansible_host) included) and groups; the VPS is a
    host of its own, and a warning names both. C(hostup-<vmid>) is always the name of that VPS."
  - "Inventory sources are parsed in the order given (C(-i static.yml -i hostup.yml)), the files
    of an inventory directory in the order of their names; this plugin sees only the hosts and
    groups of the sources parsed before it. A source parsed after it that names a host like a VPS
    adds to that host: ansible merges the two, the later source's variables win, and the VPS's
    C(ansible_host) stays wherever that source sets none. Put this plugin's source last."
  - Every host is in the group C(hostup_vps), the group the example playbooks target.
  - Only the host variables listed under O(hostvars_prefix) are set. The customer's name
    and company name, which HostUp's list carries, never become host variables and never
    reach the cache.
  - O(api_key) and O(api_url) may be templates (lookups, vaulted values), read from the inventory
    file only; a value from the environment is taken as it is, never templated. When O(api_key)
    cannot be templated, the error names only the kind of failure, for ansible-core's message
    quotes the value, which may be the key itself.
  - The inventory file must be named C(hostup.yml), C(hostup.yaml), or end in
    C(.hostup.yml) or C(.hostup.yaml).
extends_documentation_fragment:
  - hostup.cloud.api
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin; it marks the file as this plugin's.
    type: str
    required: true
    choices:
      - hostup.cloud.hostup
  api_key:
    description:
      - HostUp API key, sent in the C(X-API-Key) header. It needs the C(read:vm) scope.
      - If not set, the value of the E(HOSTUP_API_KEY) environment variable is used.
      - May be a template, such as a lookup (see the examples), or a vaulted value.
    required: false
    env:
      - name: HOSTUP_API_KEY
  api_url:
    env:
      - name: HOSTUP_API_URL
  filters:
    description:
      - Jinja conditions (without C({{ }})) on each VPS's host variables, such as
        C(hostup_status == 'Active'); a VPS is a host only when every condition is true.
      - When set, they replace the built-in rule that tells VPSes from other services
        (see the description).
      - A condition that fails to evaluate for a VPS (for example one naming a variable that
        VPS lacks) leaves it out, or fails the inventory when O(strict=true).
    type: list
    elements: str
    default: []
  hostvars_prefix:
    description:
      - Prefix of the host variables this plugin sets. With the default they are
        C(hostup_vmid) (int), C(hostup_name), C(hostup_hostname), C(hostup_status),
        C(hostup_product_id), C(hostup_product_name), C(hostup_cycle) (C(monthly) or
        C(annually)), C(hostup_price) (the recurring price per cycle), C(hostup_next_due),
        and where HostUp gives them C(hostup_ip) (also set as C(ansible_host); only an IP address),
        C(hostup_os),
        C(hostup_cpu), C(hostup_ram) and C(hostup_disk).
      - Letters, digits and underscores, not starting with a digit.
    type: str
    default: hostup_
notes:
  - The inventory cache holds the whitelisted host variables only, never HostUp's replies.
    C(ansible-playbook --flush-cache) reads HostUp afresh on every supported ansible-core;
    C(ansible-inventory --flush-cache) only on ansible-core 2.19 (2.16, 2.17 and 2.18 have no
    such option for C(ansible-inventory)).
  - Every VPS is in the group C(hostup_vps); other groups (by plan, billing cycle, status ...)
    exist only where O(keyed_groups) or O(groups) make them.
  - "An error (a wrong key, an unreachable O(api_url)) is one line starting
    C(hostup.cloud.hostup:), inside ansible-core's own warning that the source could not be
    parsed, whose wording differs between ansible-core versions. Set
    C(ANSIBLE_INVENTORY_UNPARSED_FAILED=true) to make it an error instead of an inventory
    without these hosts."
  - The cache key holds a one-way digest of O(api_url) and O(api_key), so one account's hosts
    are never served for another key or address.
  - "A cache entry is checked as a fresh reply is, by the same function: exactly the host
    variables above, each of the type a read gives (C(vmid) a whole number from 1, C(ip) an IP
    address, C(price) and resources finite numbers, text fields text, C(cycle) lower-case); host
    names are made from it by the same rule. An entry that fails, or that this version did not
    write, is not used: HostUp is read afresh, with a warning naming the field."
  - "With a cache plugin that keeps files (C(ansible.builtin.jsonfile) and others built on
    ansible-core's file cache), this plugin makes its cache file readable and writable by its
    owner only (0600) after each write: C(jsonfile) writes every file 0644 and has no setting for
    it, so the file is 0644 for a moment after each write. A cache directory that does not exist
    is created by the cache plugin with the default permissions (often 0755): create it with mode
    0700 to keep the cache private. A cache file that is not a regular file, belongs to another
    user, or that group or others may write, is not used (HostUp is read afresh, with a warning).
    Other cache plugins keep the entry with their own permissions."
  - "HostUp's text in a warning or an error (a VPS's name, an error's C(message) and
    C(requestId)) is shown with control and format characters escaped (ESC as C(\\x1b), a bidi
    override as C(\\u202e)), and on one line, so it can neither move the cursor, colour, retitle
    nor reorder what the terminal shows. Host variables are data and stay as HostUp sent them."
"""

EXAMPLES = r"""
# hostup.yml: every VPS of the account; the key comes from HOSTUP_API_KEY.
plugin: hostup.cloud.hostup

---
# prod.hostup.yml: the key from a lookup, groups by plan and billing cycle
# (plan_1937, cycle_monthly, ...), and only the active VPSes.
plugin: hostup.cloud.hostup
api_key: "{{ lookup('ansible.builtin.env', 'HOSTUP_PROD_KEY') }}"
filters:
  - hostup_status == 'Active'
keyed_groups:
  - key: hostup_product_id
    prefix: plan
  - key: hostup_cycle
    prefix: cycle
groups:
  big: hostup_ram is defined and hostup_ram >= 8
compose:
  ansible_user: "'root'"

---
# cached.hostup.yml: read HostUp at most once an hour; ansible-playbook --flush-cache
# (and, on ansible-core 2.19, ansible-inventory --flush-cache) reads it afresh.
plugin: hostup.cloud.hostup
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/hostup-inventory
cache_timeout: 3600

---
# all-services.hostup.yml: the filters decide which services are VPSes, for a VPS the
# built-in rule misses; services HostUp's per-VPS read does not know are left out.
plugin: hostup.cloud.hostup
filters:
  - hostup_product_name is search('VPS')
"""

import hashlib
import ipaddress
import math
import os
import re
import stat
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.cache import BaseFileCacheModule
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.hostup.cloud.plugins.module_utils.errors import BadOption, HostUpError
from ansible_collections.hostup.cloud.plugins.module_utils.messages import render
from ansible_collections.hostup.cloud.plugins.module_utils.transport import (
    HAS_REQUESTS,
    HostUpClient,
    check_connection_options,
)
from ansible_collections.hostup.cloud.plugins.module_utils.text import printable, safe_host_name
from ansible_collections.hostup.cloud.plugins.module_utils.vps import read_services, read_vps_account

FILE_NAMES = ("hostup.yml", "hostup.yaml")
FILE_SUFFIXES = (".hostup.yml", ".hostup.yaml")

# The host variables, in the order they are documented: nothing else becomes one.
HOSTVARS = ("vmid", "name", "hostname", "status", "product_id", "product_name", "cycle", "price", "next_due",
            "ip", "os", "cpu", "ram", "disk")
# These are set only where HostUp gives them.
OPTIONAL_HOSTVARS = ("ip", "os", "cpu", "ram", "disk")

DEFAULT_GROUP = "hostup_vps"

# Names no VPS may take: ansible's own groups, this plugin's group, and the controller's names
# (a host named localhost would take every "delegate_to: localhost" task to the VPS).
RESERVED_NAMES = frozenset(("all", "ungrouped", DEFAULT_GROUP) + tuple(C.LOCALHOST))

# Per-VPS reads in flight at once: fast for a large fleet, gentle on HostUp's rate limit.
DETAIL_WORKERS = 8

VARIABLE_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# The mode of this plugin's file in a file-based cache (jsonfile writes 0644 and cannot be told otherwise).
CACHE_FILE_MODE = 0o600


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "hostup.cloud.hostup"
    # the options the inventory file sets: only those are templates (see _templated)
    _in_file = frozenset()
    # this source's key in the cache, when the cache is on
    _cache_key = None

    def verify_file(self, path):
        if not super(InventoryModule, self).verify_file(path):
            return False
        name = to_text(path).replace("\\", "/").rsplit("/", 1)[-1]
        return name in FILE_NAMES or name.endswith(FILE_SUFFIXES)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._in_file = set(self._read_config_data(path) or {})
        settings = self._settings()

        # One account's hosts are never served for another key or api_url.
        cache_key = "%s_%s" % (self.get_cache_key(path), _account_fingerprint(settings))
        use_cache = self.get_option("cache")
        self._cache_key = cache_key if use_cache else None
        vps_list = self._cached(cache_key) if use_cache and cache else None
        if vps_list is None:
            try:
                vps_list = self._read_account(settings)
            except HostUpError as error:
                raise AnsibleParserError("hostup.cloud.hostup: %s" % printable(error.one_line()))
            if use_cache:
                self._cache[cache_key] = vps_list
        self._populate(vps_list)

    def update_cache_if_changed(self):
        # ansible's inventory manager calls this after parse: the cache plugin writes now.
        super(InventoryModule, self).update_cache_if_changed()
        path = self._cache_file()
        if path and _own_regular_file(path):
            os.chmod(path, CACHE_FILE_MODE)  # jsonfile writes 0644 and cannot be told otherwise

    # --- the cache ----------------------------------------------------------------

    def _cached(self, cache_key):
        """The cached VPS list, checked as a fresh read is; None (read HostUp afresh) when there is none to trust."""
        path = self._cache_file(cache_key)
        problem = _cache_file_problem(path) if path else None
        if problem:
            self.display.warning("hostup.cloud.hostup: the inventory cache file %s %s, so it is not used; "
                                 "HostUp is read afresh" % (printable(path), problem))
            return None
        try:
            entry = self._cache[cache_key]
        except (KeyError, AnsibleError):  # not cached, or a corrupt file (the cache plugin warns)
            return None
        vps_list, problem = _checked_vps_list(entry)
        if problem:
            self.display.warning("hostup.cloud.hostup: the inventory cache entry is not what this plugin writes "
                                 "(%s), so it is not used; HostUp is read afresh" % problem)
        return vps_list

    def _cache_file(self, cache_key=None):
        """The file a file-based cache plugin (such as jsonfile) keeps the entry in; None for other plugins."""
        cache_key = cache_key or self._cache_key
        plugin = getattr(getattr(self, "_cache", None), "_plugin", None)
        if not cache_key or not isinstance(plugin, BaseFileCacheModule):
            return None
        # Private to ansible-core, the same from 2.16 to 2.19 (the unit tests check the file on each):
        # 2.19 qualifies the key with a schema id before the file plugin names the file.
        qualified = getattr(plugin, "_get_key", None)
        file_name = getattr(plugin, "_get_cache_file_name", None)
        if not callable(file_name):
            return None
        return file_name(qualified(cache_key) if callable(qualified) else cache_key)

    # --- options ----------------------------------------------------------------

    def _settings(self):
        """The connection options, templated and checked before any request."""
        if not HAS_REQUESTS:
            raise AnsibleParserError("hostup.cloud.hostup needs the Python library requests on the controller")
        api_url = self._templated("api_url")
        api_key = self._templated("api_key")
        if api_key is None:  # the inventory's own wording: no task or module_defaults here
            raise AnsibleParserError(render("inventory.api_key_missing"))
        try:
            api_key = check_connection_options(api_key, api_url, self.get_option("api_timeout"),
                                               self.get_option("rate_limit_wait"))
            if not VARIABLE_PREFIX.match(self.get_option("hostvars_prefix")):
                raise BadOption("option.hostvars_prefix", value=self.get_option("hostvars_prefix"))
        except BadOption as problem:  # names the option, never the key
            raise AnsibleParserError("hostup.cloud.hostup: %s" % problem.message)
        return {
            "api_url": api_url,
            "api_key": api_key,
            "timeout": self.get_option("api_timeout"),
            "validate_certs": self.get_option("validate_certs"),
            "rate_limit_wait": float(self.get_option("rate_limit_wait")),
        }

    def _templated(self, option):
        # The inventory file's values are trusted templates (a lookup, a vaulted value);
        # an environment variable's value is taken as it is (ansible-core 2.19 trusts it).
        value = self.get_option(option)
        if value is None:
            return None
        if option not in self._in_file:
            return to_text(value)
        try:
            value = self.templar.template(value)
        except Exception as error:  # pylint: disable=broad-except
            if option == "api_key":
                # the error quotes the template, or pieces of it (ansible-core 2.16 all of it, 2.19 the
                # token it stopped at): a key that merely looks like a template would be shown
                raise AnsibleParserError(render("inventory.api_key_untemplatable", error=type(error).__name__))
            raise AnsibleParserError("hostup.cloud.hostup: %s could not be templated: %s"
                                     % (option, printable(to_native(error))))
        return to_text(value) if value is not None else None

    # --- reading HostUp -----------------------------------------------------------

    def _read_account(self, settings):
        """The account's VPSes as whitelisted dicts (what the cache holds), by vmid."""
        services, unusable = read_services(HostUpClient(**settings))
        if unusable:
            self.display.warning("hostup.cloud.hostup: services in HostUp's list that look like a VPS but have no "
                                 "usable id (a whole number from 1): %d, left out" % unusable)
        filtered = bool(self.get_option("filters"))
        candidates = sorted((s for s in services if filtered or s["looks_like_vps"]), key=lambda s: s["vmid"])
        if len(candidates) < len(services):
            # the built-in VPS rule is an inference: say what it left out, and how to include it
            self.display.warning(render("inventory.not_vps", count=len(services) - len(candidates),
                                        total=len(services)))
        details = self._read_details(settings, [s["vmid"] for s in candidates])
        vps_list = []
        for service in candidates:
            detail = details[service["vmid"]]
            if detail is None:
                if service["looks_like_vps"]:
                    self.display.warning("hostup.cloud.hostup: service %d looks like a VPS, but HostUp's VPS read "
                                         "does not know it; left out" % service["vmid"])
                continue
            record, problem = _checked_vps(_vps_vars(service, detail))
            if problem:  # the reads give what the check takes; this is a bug, not HostUp's doing
                self.display.warning("hostup.cloud.hostup: VPS %d left out: %s" % (service["vmid"], problem))
                continue
            vps_list.append(record)
        return vps_list

    def _read_details(self, settings, vmids):
        """GET vps-accounts/{id} for each vmid, DETAIL_WORKERS at a time; the first failure stops the rest."""
        if not vmids:
            return {}
        local = threading.local()
        failed = threading.Event()

        def read(vmid):
            if failed.is_set():
                return None
            # requests.Session is not documented as thread safe: one client per worker.
            if getattr(local, "client", None) is None:
                local.client = HostUpClient(**settings)
            try:
                return read_vps_account(local.client, vmid)
            except HostUpError:
                failed.set()
                raise

        with ThreadPoolExecutor(max_workers=min(DETAIL_WORKERS, len(vmids))) as pool:
            return dict(zip(vmids, pool.map(read, vmids)))

    # --- building the inventory ---------------------------------------------------

    def _populate(self, vps_list):
        prefix = self.get_option("hostvars_prefix")
        strict = self.get_option("strict")
        owner_of = self._name_owner()
        names = _host_names(vps_list, owner_of)
        added = {}
        for vps in vps_list:
            # HostUp's text is data, never a template: ansible-core 2.19 marks it so itself,
            # earlier versions would run a lookup that HostUp put in a product name.
            hostvars = dict((prefix + key, wrap_var(vps[key])) for key in HOSTVARS
                            if key in vps and (vps[key] is not None or key not in OPTIONAL_HOSTVARS))
            if vps.get("ip"):
                hostvars["ansible_host"] = wrap_var(vps["ip"])
            name, wanted, owner = names[vps["vmid"]]
            if not self._accepted(name, hostvars, strict):
                continue
            if owner:
                self._warn_renamed(vps, name, wanted, owner)
            self._add_host(name, hostvars, strict)
            added[vps["vmid"]] = (name, hostvars, vps)
        # keyed_groups and groups may have made a group of a host's name only now.
        for vmid, (name, hostvars, vps) in sorted(added.items()):
            if name in self.inventory.groups:
                self.inventory.remove_host(self.inventory.hosts[name])
                renamed = name
                while renamed in self.inventory.hosts or renamed in self.inventory.groups or owner_of(renamed):
                    renamed = "%s-%d" % (renamed, vmid)
                self._warn_renamed(vps, renamed, name, "a group of this inventory")
                self._add_host(renamed, hostvars, strict)

    def _name_owner(self):
        """A function telling what, other than a VPS of this source, has a name already (None: nothing)."""
        other_hosts = frozenset(self.inventory.hosts)  # the sources parsed before this one
        groups = frozenset(self.inventory.groups) | frozenset(self.get_option("groups") or ())

        def owner_of(name):
            if name in C.LOCALHOST:
                return "a name of the controller"
            if name in other_hosts:
                return "a host of another inventory source"
            if name in groups or name in RESERVED_NAMES:
                return "a group of this inventory"
            return None
        return owner_of

    def _warn_renamed(self, vps, name, wanted, owner):
        # One warning naming both: the VPS (as HostUp names it) and what already had the name.
        self.display.warning(
            "hostup.cloud.hostup: VPS %d (HostUp name %s) is host %s: %s is already %s, which keeps "
            "its variables" % (vps["vmid"], printable(vps["hostname"] or vps["name"], limit=80), name, wanted, owner))

    def _add_host(self, name, hostvars, strict):
        self.inventory.add_host(name, group=self.inventory.add_group(DEFAULT_GROUP))
        for key, value in hostvars.items():
            self.inventory.set_variable(name, key, value)
        self._set_composite_vars(self.get_option("compose"), hostvars, name, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), hostvars, name, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, name, strict=strict)

    def _accepted(self, name, hostvars, strict):
        for condition in self.get_option("filters"):
            try:
                if not self._condition_holds(condition, hostvars):
                    return False
            except Exception as error:  # pylint: disable=broad-except
                if strict:
                    raise AnsibleParserError("hostup.cloud.hostup: filters: %r failed for host %s: %s"
                                             % (condition, name, printable(to_native(error))))
                self.display.vvv("hostup.cloud.hostup: filters: %r failed for host %s, left out: %s"
                                 % (condition, name, printable(to_native(error))))
                return False
        return True

    def _condition_holds(self, condition, hostvars):
        self.templar.available_variables = hostvars
        if hasattr(self.templar, "evaluate_conditional"):  # ansible-core 2.19 and later
            return self.templar.evaluate_conditional(condition)
        return _true(self._compose(condition, hostvars))


def _vps_vars(service, detail):
    """One VPS's host variables (without prefix) from the whitelisted list entry and VPS read."""
    return {
        "vmid": service["vmid"],
        "name": service["label"] or detail["name"] or service["hostname"],
        "hostname": service["hostname"],
        "status": service["status"],
        "product_id": service["product_id"],
        "product_name": service["product_name"],
        "cycle": service["cycle"],
        "price": service["price"],
        "next_due": service["next_due"],
        "ip": detail["ip"],
        "os": detail["os"],
        "cpu": detail["cpu"],
        "ram": detail["ram"],
        "disk": detail["disk"],
    }


def _account_fingerprint(settings):
    """Tells accounts apart in the cache key; a one-way digest, so the cache never holds the key."""
    account = "%s\n%s" % (settings["api_url"], settings["api_key"])
    return hashlib.sha256(account.encode("utf-8")).hexdigest()[:16]


# --- one VPS's host variables: the same checks for a fresh read and a cache entry ----------

def _is_vmid(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_text(value):
    # what a read gives for a text field: stripped, never empty (else None); any characters,
    # for host variables are data and stay as HostUp sent them
    return value is None or (isinstance(value, str) and value != "" and value == value.strip())


def _is_product_id(value):
    return value is None or (isinstance(value, str) and value not in ("", "0"))


def _is_cycle(value):
    # monthly or annually, or another HostBill cycle lower-cased, as a read gives it
    return value is None or (isinstance(value, str) and value != "" and value == value.strip().lower())


def _is_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float: no read gives one
        return False


def _is_price(value):
    return value is None or _is_number(value)


def _is_ip(value):
    if not isinstance(value, str):
        return value is None
    try:
        return str(ipaddress.ip_address(value)) == value
    except ValueError:
        return False


def _is_resource(value):
    # a finite number, else text that is no number (a read drops "NaN" and "inf")
    if value is None or _is_number(value):
        return True
    if not _is_text(value):
        return False
    try:
        float(value)
    except (ValueError, OverflowError):
        return True
    return False


# Every host variable (without prefix), what it must be, and what that is called in a warning.
CHECKS = (
    ("vmid", _is_vmid, "a whole number from 1"),
    ("name", _is_text, "text or null"),
    ("hostname", _is_text, "text or null"),
    ("status", _is_text, "text or null"),
    ("product_id", _is_product_id, "text or null"),
    ("product_name", _is_text, "text or null"),
    ("cycle", _is_cycle, "a lower-case billing cycle or null"),
    ("price", _is_price, "a finite number or null"),
    ("next_due", _is_text, "text or null"),
    ("ip", _is_ip, "an IP address or null"),
    ("os", _is_text, "text or null"),
    ("cpu", _is_resource, "a finite number, text or null"),
    ("ram", _is_resource, "a finite number, text or null"),
    ("disk", _is_resource, "a finite number, text or null"),
)


def _checked_vps(values):
    """(the VPS's host variables, None), or (None, what is wrong): for a fresh read and a cache entry alike.

    Only the fields of HOSTVARS, each of the type a read gives; what is wrong is said by
    field name, never by value (a value may be anything a hostile HostUp or cache file holds).
    """
    if not isinstance(values, dict) or set(values) != set(HOSTVARS):
        return None, "not a VPS with exactly the fields %s" % ", ".join(HOSTVARS)
    for key, check, what in CHECKS:
        if not check(values[key]):
            return None, "%s is not %s" % (key, what)
    return dict((key, values[key]) for key in HOSTVARS), None


def _checked_vps_list(entry):
    """(the cached VPS list, None) if each VPS passes the checks of a fresh read, else (None, what is wrong)."""
    if not isinstance(entry, list):
        return None, "not a list of VPSes"
    vps_list, seen = [], set()
    for index, values in enumerate(entry):
        vps, problem = _checked_vps(values)
        if problem:
            return None, "VPS %d of %d: %s" % (index + 1, len(entry), problem)
        if vps["vmid"] in seen:
            return None, "VPS %d of %d: vmid %d is listed twice" % (index + 1, len(entry), vps["vmid"])
        seen.add(vps["vmid"])
        vps_list.append(vps)
    return vps_list, None


# --- the cache file ----------------------------------------------------------------------

def _cache_file_problem(path):
    """Why the cache file at ``path`` may not be trusted (anyone but this user could have written it), or None."""
    try:
        info = os.lstat(path)
    except OSError:
        return None  # no file: nothing cached (the cache plugin says why if it cannot read one)
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_uid != os.geteuid():
        return "belongs to another user (uid %d)" % info.st_uid
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "may be written by other users (mode %04o)" % stat.S_IMODE(info.st_mode)
    return None


def _own_regular_file(path):
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()


# --- host names ----------------------------------------------------------------------------

def _host_names(vps_list, owner_of):
    """vmid -> (host name, the name HostUp's text gives, what else has that name or None).

    The name HostUp's text gives is the safe form (module_utils/text.py) of the hostname,
    else of the name (label), else hostup-<vmid>. VPSes without a name of their own are named
    first, so hostup-<vmid> is always that VPS's name. A name that VPSes share stays with the
    lowest vmid; the others, and a VPS whose name something else has (``owner_of``), get
    -<vmid> appended until the name is free.
    """
    own = dict((vps["vmid"], safe_host_name(vps["hostname"]) or safe_host_name(vps["name"])) for vps in vps_list)
    names, used = {}, {}
    for vmid in sorted(own, key=lambda vmid: (own[vmid] is not None, vmid)):
        wanted = own[vmid] or "hostup-%d" % vmid
        owner = owner_of(wanted) or ("the name of VPS %d" % used[wanted] if wanted in used else None)
        name = wanted
        while name in used or owner_of(name):
            name = "%s-%d" % (name, vmid)
        used[name] = vmid
        names[vmid] = (name, wanted, owner)
    return names


def _true(value):
    # ansible-core before 2.19 renders a condition as text.
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)
