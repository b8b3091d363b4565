"""One signed document behind one ballot, row by row of a ballots file: a row's form, or
its proxy's written authorisation, checked against the vote's ballots read before the rows
and against the rows above it, so that a refused file names every row at fault at once.
cast_ballots checks each again under the proposal's lock (ballot_forms.refuse_shared,
proxies.check_letters and check_limit, scan_roles.check_documents): these only say it on
the row."""

from __future__ import annotations

from typing import Callable

from votes.core.local_rules import Procedure
from votes.extensions import db
from votes.i18n import _
from votes.models import Ballot, FrozenUnit
from votes.services import ballot_forms, proxies, scan_roles


def one_voter_per_form(scan: tuple[str, bytes], voter: str, number: int,
                       forms: dict[str, list[Ballot]],
                       forms_in_file: dict[str, tuple[int, str]],
                       voters: dict[str, list[FrozenUnit]], ballots: list[Ballot],
                       fail: Callable[[str], None]) -> None:
    """The row's signed form must not be another voter's, on a ballot already entered or on
    a row above (votes.services.ballot_forms); the same voter's form may come again."""
    form = ballot_forms.digest(scan[1])
    earlier = next((b for b in forms.get(form, ()) if b.voter_key != voter), None)
    if earlier is not None:
        fail(ballot_forms.used_message(_named(voters, voter), scan[0], earlier.seq,
                                       _named(voters, earlier.voter_key),
                                       ballot_forms.to_withdraw(ballots, earlier)))
    elif form in forms_in_file and forms_in_file[form][1] != voter:
        fail(_("表决票扫描件 %(name)s 与第 %(row)s 行另一位业主的表决票是同一个文件；"
               "一张表决票只能用于签字业主本人的选票；几张表决票扫描在同一个文件里的，"
               "请每张单独扫描成一个文件", name=scan[0], row=forms_in_file[form][0]))
    else:
        forms_in_file.setdefault(form, (number, voter))


def _named(voters: dict[str, list[FrozenUnit]], voter: str) -> str:
    return ballot_forms.units_label(voters.get(voter, ()))


def count_principal(proposal, held: dict[str, set[str]], proxy: proxies.ProxyRequest,
                    voter: str, procedure: Procedure, fail: Callable[[str], None]) -> None:
    """The row's principal counted against the proxy's limit (the vote so far and the rows
    above); the row that goes past it is refused. Checked again under the lock."""
    if not procedure.proxy_limit:
        return
    holder = proxies.holder_key(proposal.uid, proxy.id_number)
    if holder not in held:
        held[holder] = proxies.principals(db.session, proposal, {holder})[holder]
    held[holder].add(voter)
    if len(held[holder]) > procedure.proxy_limit:
        fail(proxies.limit_message(procedure.proxy_limit, proxy.id_number))


def one_proxy_per_letter(proposal, letters: dict[str, tuple[str, int | None, int | None]],
                         proxy: proxies.ProxyRequest, number: int,
                         fail: Callable[[str], None]) -> None:
    """The row's written authorisation must not be another proxy's, on a ballot entered
    already or a row above (proxies.check_letters; checked again under the lock)."""
    letter = ballot_forms.digest(proxy.authorisation[1])
    holder = proxies.holder_key(proposal.uid, proxy.id_number)
    if letter not in letters:
        held = proxies.letters_held(db.session, proposal, {letter}).get(letter)
        letters[letter] = (holder, number, None) if held is None else (held[0], None, held[1])
    first, row, seq = letters[letter]
    if first == holder:
        return
    if seq is not None:
        fail(proxies.letter_of_another_message(seq))
    else:
        fail(_("这份授权委托书已用于第 %(row)s 行另一位受托人的委托票；一份授权委托书只委托"
               "一位受托人，请核对受托人证件号码和所附的授权委托书", row=row))


def one_role_per_scan(scan: tuple[str, bytes] | None, proxy: proxies.ProxyRequest | None,
                      number: int, forms: dict[str, list[Ballot]],
                      letters_on: dict[str, tuple[str, int, str]],
                      deeds_on: dict[str, tuple[int, str]],
                      roles: dict[str, tuple[str, int]],
                      voters: dict[str, list[FrozenUnit]],
                      fail: Callable[[str], None]) -> None:
    """The row's form must not be a written authorisation, nor its letter a form, of a
    ballot entered already or a row above, nor either a sale's deed: one signed document
    behind two ballots (scan_roles.check_documents; checked again under the lock). The row's
    own letter as its own form is letter_is_form's. A file's rows carry no deeds."""
    form = ballot_forms.digest(scan[1]) if scan is not None and scan[1] else None
    letter = None if proxy is None else ballot_forms.digest(proxy.authorisation[1])
    if form is not None and form in deeds_on:
        seq, voter = deeds_on[form]
        fail(scan_roles.form_is_a_deed_message(scan[0], seq, _named(voters, voter)))
    if letter is not None and letter in deeds_on:
        seq, voter = deeds_on[letter]
        fail(scan_roles.letter_is_a_deed_message(seq, _named(voters, voter)))
    if form is not None and form != letter:
        if form in letters_on:
            _holder, seq, voter = letters_on[form]
            fail(scan_roles.form_is_a_letter_message(scan[0], seq, _named(voters, voter)))
        elif roles.get(form, ("form",))[0] == "letter":
            fail(_("表决票扫描件 %(name)s 与第 %(row)s 行的授权委托书是同一个文件；同一个文件不能"
                   "既是表决票又是授权委托书，请分别上传表决票扫描件和业主签字的书面授权委托书",
                   name=scan[0], row=roles[form][1]))
    if letter is not None and letter != form:
        if letter in forms:
            held = forms[letter][0]
            fail(scan_roles.letter_is_a_form_message(held.seq, _named(voters, held.voter_key)))
        elif roles.get(letter, ("letter",))[0] == "form":
            fail(_("这份授权委托书与第 %(row)s 行的表决票扫描件是同一个文件；同一个文件不能"
                   "既是表决票又是授权委托书，请分别上传表决票扫描件和业主签字的书面授权委托书",
                   row=roles[letter][1]))
    if form is not None:
        roles.setdefault(form, ("form", number))
    if letter is not None:
        roles.setdefault(letter, ("letter", number))
