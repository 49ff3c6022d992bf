"""The routing decision for one mail: queue, cancellation policy, reply template, and why.

`decide` is pure: the parsed mail, its disposition and extraction, the registry, the routing
config and the arrival time in, a `RoutingDecision` out. Order: disposition conventions
(auto-replies and bounces get no queue and no reply, bulk goes to the fallback queue without a
reply), keyword classification with the registry's scope (`routing.classify`), the rule chain
(`routing.rules`), the cancellation policy for cancellation tickets (`routing.policy`), then
the reply template. The sender proof (`intake.proof`, DOMAIN.md 4a) goes into every decision
with an explanation line; only a proven sender's cancellation is `accepted`, and a mail a
believed server calls forged (`failed`) flags its ticket `possibly_forged`. Storage keeps the
decision with the message and `outbound` renders the template. `route_bytes` runs the whole
production path on raw bytes (parse -> sender proof -> disposition -> text -> extraction ->
decide) for `route --json` and replays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from intake.model import (
    UNPROVEN,
    Disposition,
    DispositionResult,
    Evidence,
    Extraction,
    Intent,
    MailText,
    ParsedMail,
    SenderProof,
)
from intake.proof import TrustConfig
from routing import policy as policy_mod
from routing.acceptance import guard
from routing.classify import Classification, classify
from routing.config import RoutingConfig
from routing.dates import local_date
from routing.model import PolicyResult, RoutingDecision
from routing.registry import Contract, Registry
from routing.rules import RuleContext, RuleState, walk

NO_REPLY_DISPOSITIONS = (Disposition.AUTO_REPLY, Disposition.BOUNCE, Disposition.QUARANTINE)
POSSIBLY_FORGED = "possibly_forged"  # flag of a ticket whose mail a believed server calls forged


def proof_lines(proof: SenderProof) -> list[str]:
    """The explanation lines that say how the sender was proven, or why not."""
    if proof.proven:
        head = f"sender proven ({proof.method})"
    elif proof.status == "failed":
        head = "sender proof failed: possibly forged"
    else:
        head = "sender not proven"
    return [head, *(f"sender proof: {r}" for r in proof.reasons)]


#: facts that matter only for a cancellation (DOMAIN.md section 3): false/null on other mail,
#: and so is their evidence
CANCELLATION_FACTS = frozenset(
    {"destruction_confirmation", "machine_out_of_use", "requested_end_date", "breach_claimed"}
)


def reported_evidence(found: tuple[Evidence, ...], cancellation: bool) -> tuple[Evidence, ...]:
    """The evidence a decision carries: all of it for a cancellation, else none about the
    cancellation-only facts (the decision reports them as false/null)."""
    if cancellation:
        return found
    return tuple(e for e in found if e.fact not in CANCELLATION_FACTS)


def combine_extractions(extractions: Sequence[Extraction]) -> Extraction:
    """What a ticket's participants said so far, oldest mail first, as one Extraction.

    A follow-up can complete a request (the destruction confirmation or the contract number
    arrives later); the service re-decides the ticket with this and the `received` of the mail
    that completed it. Numbers and kind hints add up, confirmations and claims stay once made,
    the newest requested end date and phone win, the language is the first mail's. An
    unreadable certificate counts until a mail confirms the destruction readably.
    """
    if not extractions:
        raise ValueError("no extraction to combine")
    first = extractions[0]
    numbers = sorted({n for x in extractions for n in x.contract_numbers})
    kinds = list(dict.fromkeys(k for x in extractions for k in x.kind_hints))
    end = next((x.requested_end_date for x in reversed(extractions) if x.requested_end_date), None)
    phone = next((x.phone for x in reversed(extractions) if x.phone), None)
    readable = any(x.destruction_confirmation and not x.certificate_unreadable for x in extractions)
    unreadable = not readable and any(x.certificate_unreadable for x in extractions)
    return Extraction(
        language=first.language,
        language_known=first.language_known,
        contract_numbers=tuple(numbers),
        destruction_confirmation=any(x.destruction_confirmation for x in extractions),
        machine_out_of_use=any(x.machine_out_of_use for x in extractions),
        requested_end_date=end,
        breach_claimed=any(x.breach_claimed for x in extractions),
        phone=phone,
        kind_hints=tuple(kinds),
        evidence=tuple(e for x in extractions for e in x.evidence),
        certificate_unreadable=unreadable,
        found=tuple(e for x in extractions for e in x.found),
        intent=combine_intents([x.intent for x in extractions]),
    )


def combine_intents(intents: Sequence[Intent | None]) -> Intent | None:
    """The ticket's intent from its mails, oldest first: the newest mail whose own words ask to
    cancel or take a request back decides (a later mail that only sends the missing
    confirmation under the old subject leaves the request standing); what later mails say
    against a cancellation is kept."""
    known = [i for i in intents if i is not None]
    if not known:
        return None

    def newest(own_words: bool) -> int | None:
        for k in range(len(known) - 1, -1, -1):
            if known[k].act in ("cancel", "retraction") and own_words == (
                known[k].source != "subject"
            ):
                return k
        return None

    # a reply's old subject ("RE: Opzegging ...") does not outweigh what was asked before
    at = next((k for k in (newest(True), newest(False)) if k is not None), len(known) - 1)
    decisive = known[at]
    later = [c for i in known[at + 1 :] for c in i.contradictions]
    if not later:
        return decisive
    return replace(
        decisive,
        contradictions=(*decisive.contradictions, *later),
        reasons=(*decisive.reasons, *(f"a later mail: {c}" for c in later)),
    )


def roles_of(found: Sequence[Evidence]) -> dict[str, str]:
    """Each contract number's role in the request (`intake.extract.roles`), from the evidence;
    a later mail's role replaces an earlier one unless it only mentions the number."""
    roles: dict[str, str] = {}
    for item in found:
        if item.fact != "contract_numbers" or item.role is None or item.value is None:
            continue
        number = str(item.value)
        if item.role != "mentioned" or number not in roles:
            roles[number] = item.role
    return roles


def _intent_and_roles(
    extraction: Extraction, text: MailText, config: RoutingConfig
) -> tuple[Intent, dict[str, str]]:
    """The intent and contract roles extraction found; read from `text` when the extraction
    has none (built by hand, or stored before intents were read)."""
    from intake.extract.intent import cues, detect_intent  # isort: skip
    from intake.extract.roles import contract_roles  # isort: skip

    intent = extraction.intent
    if intent is None:
        intent = detect_intent(text, config.extraction.intent, extraction.contract_numbers)[0]
    roles = roles_of(extraction.found)
    if not roles and len(extraction.contract_numbers) > 1:
        parts = [("body", text.new_text), ("subject", text.subject)]
        roles = roles_of(
            contract_roles(parts, extraction.contract_numbers, cues(config.extraction.intent))
        )
    return intent, roles


def _sender(parsed: ParsedMail) -> str:
    return parsed.from_.email.strip().lower() if parsed.from_ is not None else ""


def known_contracts(extraction: Extraction, registry: Registry) -> tuple[Contract, ...]:
    """Registry contracts named in the mail, in the order of the extracted numbers."""
    out: list[Contract] = []
    for number in extraction.contract_numbers:
        contract = registry.lookup(number)
        if contract is not None and contract not in out:
            out.append(contract)
    return tuple(out)


def reply_language(
    extraction: Extraction,
    sender: str,
    registry: Registry,
    default_language: str | None = None,
) -> tuple[str, str | None]:
    """The language the desk answers in, and an explanation line when it is not the text's.

    When the text decided nothing (a language the desk does not serve, a few words without a
    function word), the registry's `language` of the sender's contracts counts (those the
    mail names first; only when they agree on one), then the mailbox's default language, and
    only then the configured default the extraction fell back to."""
    if extraction.language_known:
        return extraction.language, None
    contracts: list[Contract] = []
    if sender:
        named = [c for c in known_contracts(extraction, registry) if c.is_contact(sender)]
        contracts = named or list(registry.contracts_of(sender))
    languages = sorted({c.language for c in contracts})
    if len(languages) == 1:
        numbers = ", ".join(c.display_number for c in contracts[:3])
        return languages[0], (
            f"language {languages[0]}: the text does not tell; the sender's registry "
            f"language ({numbers})"
        )
    if default_language:
        return default_language, (
            f"language {default_language}: the text does not tell; the mailbox's default"
        )
    return extraction.language, None


def _thread_flags(thread: object | None) -> tuple[list[str], list[str]]:
    """Flags and explanation lines from the thread match (intake.threading), if any."""
    if thread is None:
        return [], []
    flags: list[str] = []
    lines: list[str] = []
    unverified = getattr(thread, "sender_unverified", None)
    participant = getattr(thread, "is_participant", getattr(thread, "participant", None))
    if unverified is True or participant is False:
        flags.append("sender_unverified")
        ref = getattr(thread, "ticket_ref", None) or getattr(thread, "ticket_id", None)
        lines.append(
            "the sender is not a participant of the ticket it refers to"
            + (f" ({ref})" if ref else "")
            + ": new ticket flagged sender_unverified"
        )
    return flags, lines


def decide(
    parsed: ParsedMail,
    disposition: DispositionResult,
    extraction: Extraction,
    *,
    registry: Registry,
    config: RoutingConfig,
    received: datetime,
    thread: object | None = None,
    mailbox: str = "",
    text: MailText | None = None,
    ticket_queue: str | None = None,
    sender_proof: SenderProof = UNPROVEN,
    default_language: str | None = None,
) -> RoutingDecision:
    """Decide where a mail goes and what is answered. Pure.

    `sender_proof` is how the From address was proven (`intake.proof.sender_proof`, or a
    confirmation by reply); a cancellation that would be accepted is
    `awaiting_sender_confirmation` unless it is proven.

    A follow-up stays in the queue of its ticket (`ticket_queue`, or the `queue` attribute of
    `thread`) instead of being classified on its own words; the rules still run, so they can
    move it, and a cancellation is judged again (pass `combine_extractions` of the ticket's
    mails as `extraction` so a later mail can complete an earlier request).

    `received` is the arrival time (IMAP INTERNALDATE, or the Date header of a file); the
    policy uses its calendar date in Europe/Brussels. `text` is the mail's `MailText` if the
    caller already has it (otherwise it is built from `parsed`). `default_language` is the
    mailbox's language, for mail whose text does not tell (`reply_language`).
    """
    disp = disposition.disposition
    explanation = [f"disposition {disp.value}: {r}" for r in disposition.reasons] or [
        f"disposition {disp.value}"
    ]
    explanation.extend(proof_lines(sender_proof))
    language, why_language = reply_language(
        extraction, _sender(parsed), registry, default_language
    )
    if why_language:
        explanation.append(why_language)
    if language != extraction.language:
        extraction = replace(extraction, language=language, language_known=True)
    if disp in NO_REPLY_DISPOSITIONS:
        explanation.append(f"{disp.value}: no queue, never answered")
        return _not_a_ticket(disp, extraction, None, explanation, sender_proof)
    if disp is Disposition.BULK:
        queue = config.classification.fallback_queue
        explanation.append(f"bulk mail: stored in {queue} without an automatic reply")
        return _not_a_ticket(disp, extraction, queue, explanation, sender_proof)
    return _decide_ticket(
        parsed,
        disp,
        extraction,
        explanation,
        registry=registry,
        config=config,
        received=received,
        thread=thread,
        mailbox=mailbox,
        text=text,
        ticket_queue=ticket_queue,
        sender_proof=sender_proof,
    )


def _not_a_ticket(
    disp: Disposition,
    extraction: Extraction,
    queue: str | None,
    explanation: list[str],
    sender_proof: SenderProof,
) -> RoutingDecision:
    """Auto-replies, bounces, quarantine and bulk: no reply, no cancellation fields."""
    return RoutingDecision(
        disposition=disp.value,
        queue=queue,
        language=extraction.language,
        contract_numbers=tuple(extraction.contract_numbers),
        destruction_confirmation=False,
        machine_out_of_use=False,
        requested_end_date=None,
        policy=None,
        reply_template=None,
        explanation=tuple(explanation),
        sender_proof=sender_proof,
        evidence=reported_evidence(extraction.found, cancellation=False),
    )


def _decide_ticket(
    parsed: ParsedMail,
    disp: Disposition,
    extraction: Extraction,
    explanation: list[str],
    *,
    registry: Registry,
    config: RoutingConfig,
    received: datetime,
    thread: object | None,
    mailbox: str,
    text: MailText | None,
    ticket_queue: str | None,
    sender_proof: SenderProof,
) -> RoutingDecision:
    if text is None:
        from intake.extract import mail_text

        text = mail_text(parsed)
    sender = _sender(parsed)
    contracts = known_contracts(extraction, registry)
    flags, thread_lines = _thread_flags(thread)
    explanation.extend(thread_lines)
    if sender_proof.status == "failed":
        flags.append(POSSIBLY_FORGED)
        explanation.append(
            f"a believed mail server calls the mail forged: flagged {POSSIBLY_FORGED}"
        )

    intent, roles = _intent_and_roles(extraction, text, config)
    explanation.extend(f"intent: {line}" for line in intent.reasons)
    result: Classification = classify(
        text,
        extraction.language,
        contracts,
        config.classification,
        config.queue_names,
        intent=intent,
        cancellation_queue=config.cancellation_queue,
    )
    if ticket_queue is None and thread is not None and disp is Disposition.FOLLOWUP:
        found = getattr(thread, "queue", None) or getattr(thread, "ticket_queue", None)
        ticket_queue = found if isinstance(found, str) else None
    if disp is Disposition.FOLLOWUP and ticket_queue is not None:
        result = Classification(
            ticket_queue,
            result.scores,
            (),
            (f"follow-up on a ticket in {ticket_queue}: the queue stays",),
        )
    explanation.extend(h.describe() for h in result.hits)
    explanation.extend(result.reasons)

    received_day = local_date(received)
    cache: list[tuple[PolicyResult, str | None]] = []

    def run_policy() -> tuple[PolicyResult, str | None]:
        """The policy's outcome the desk may act on: the acceptance guard judges a would-be
        acceptance, then an unproven sender's is `awaiting_sender_confirmation`; and the
        guard's reason, if it changed the outcome."""
        if not cache:
            judged = policy_mod.evaluate(
                contract_numbers=extraction.contract_numbers,
                sender=sender,
                registry=registry,
                received=received_day,
                destruction_confirmation=extraction.destruction_confirmation,
                machine_out_of_use=extraction.machine_out_of_use,
                requested_end_date=extraction.requested_end_date,
                breach_claimed=extraction.breach_claimed,
                kind_hints=extraction.kind_hints,
                params=config.policy,
                roles=roles,
                sender_proof=None,  # the guard judges the would-be acceptance first
                certificate_unreadable=extraction.certificate_unreadable,
            )
            guarded, why = guard(judged, intent, roles)
            cache.append((policy_mod.require_proof(guarded, sender_proof, registry), why))
        return cache[0]

    state = RuleState(queue=result.queue, flags=flags)
    outcome_now: Callable[[], str | None] = lambda: (  # noqa: E731
        run_policy()[0].outcome if state.queue == config.cancellation_queue else None
    )
    ctx = RuleContext(
        parsed=parsed,
        disposition=disp,
        extraction=extraction,
        text=text,
        contracts=contracts,
        sender=sender,
        mailbox=mailbox,
        scores=result.scores,
        state=state,
        policy_outcome=outcome_now,
    )
    chain = walk(config.rules, ctx)
    explanation.extend(chain.hits)
    explanation.extend(chain.misses)

    queue = state.queue
    explanation.append(f"queue: {queue}")
    is_cancellation = queue == config.cancellation_queue
    policy: PolicyResult | None = None
    if is_cancellation:
        policy, guarded = run_policy()
        explanation.extend(f"policy: {step}" for step in policy.steps)
        if guarded:
            explanation.append(f"acceptance guard: {guarded}")
        explanation.append(f"policy outcome: {policy.outcome}")
        if policy.outcome == "sender_unverified" and "sender_unverified" not in state.flags:
            state.flags.append("sender_unverified")

    template = _template(config, disp, queue, policy, state)
    explanation.append(f"reply: {template}" if template else "reply: none")
    status = state.status
    if status is None:
        if policy is not None:
            status = config.outcome_status(policy.outcome)
        else:
            status = "open" if disp is Disposition.FOLLOWUP else "new"

    return RoutingDecision(
        disposition=disp.value,
        queue=queue,
        language=extraction.language,
        contract_numbers=tuple(extraction.contract_numbers),
        destruction_confirmation=extraction.destruction_confirmation if is_cancellation else False,
        machine_out_of_use=extraction.machine_out_of_use if is_cancellation else False,
        requested_end_date=extraction.requested_end_date if is_cancellation else None,
        policy=policy,
        reply_template=template,
        explanation=tuple(explanation),
        priority=state.priority,
        tags=tuple(state.tags),
        status=status,
        flags=tuple(state.flags),
        rule_hits=chain.hit_names,
        rule_misses=chain.miss_names,
        sender_proof=sender_proof,
        evidence=reported_evidence(extraction.found, is_cancellation),
    )


def _template(
    config: RoutingConfig,
    disp: Disposition,
    queue: str | None,
    policy: PolicyResult | None,
    state: RuleState,
) -> str | None:
    if state.no_reply:
        return None
    if state.template_set:
        return state.reply_template
    if policy is not None:
        return config.outcome_template(policy.outcome)
    if disp is Disposition.FOLLOWUP and not config.followup_reply:
        return None
    qconf = config.queue(queue) if queue else None
    return qconf.reply_template if qconf is not None else None


def route_bytes(
    data: bytes,
    *,
    registry: Registry,
    config: RoutingConfig,
    received: datetime | None = None,
    file: str | None = None,
    mailbox: str = "",
    trust: TrustConfig | None = None,
    default_language: str | None = None,
) -> RoutingDecision:
    """Route raw mail bytes through the production path: parse -> sender proof ->
    disposition -> mail text -> extraction -> decide. `trust` says which mail servers'
    Authentication-Results are believed (the settings' `[trust]`; None: none, so no sender is
    proven). `received` defaults to the Date header (then to now, said so in the
    explanation). `file` is only used in error messages; `default_language` is the mailbox's
    (see `decide`). Raises what the parser raises for mail that cannot be processed (the caller
    quarantines it)."""
    from intake.disposition import classify_disposition  # isort: skip
    from intake.extract import extract, mail_text  # isort: skip
    from intake.parse import parse_mail  # isort: skip
    from intake.proof import NO_TRUST, sender_proof  # isort: skip

    parsed = parse_mail(data)
    proof = sender_proof(parsed, trust or NO_TRUST, data)
    disposition = classify_disposition(parsed)
    text = mail_text(parsed)
    extraction = extract(text, registry, config.extraction)
    note: str | None = None
    if received is None:
        if parsed.date is not None:
            received = parsed.date
        else:
            received = datetime.now(UTC)
            note = "no Date header: received taken as the time of routing"
    decision = decide(
        parsed,
        disposition,
        extraction,
        registry=registry,
        config=config,
        received=received,
        mailbox=mailbox,
        text=text,
        sender_proof=proof,
        default_language=default_language,
    )
    if note:
        decision = replace(decision, explanation=(*decision.explanation, note))
    return decision
