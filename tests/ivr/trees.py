"""Trees shared by the IVR tests."""

from __future__ import annotations

from tests.ivr.harness import tree

BASIC = tree(
    """
    defaults: {timeout_s: 5, retries: 2, invalid: invalid, no_input: no_input, on_fail: operator}
    calendars:
      office: {ho: {mon-fri: ["08:30-17:30"]}, saturdays: ["2026-04-04"]}
      ft: {ho: {mon-fri: ["07:00-19:00"]}, hno: {mon-fri: ["04:00-07:00", "19:00-24:00"]}}
    prompts:
      welcome: Bienvenue
      menu: Tapez 1 ou 2
      quiet_menu: Tapez 1
      invalid: Choix invalide
      no_input: Pas de choix
      ask: Numéro de dossier
      info: Information
      closed: Fermé
      hno: Heures non ouvrées
      transfer_notice: Transfert
      incident: {text: Incident en cours, duration_s: 5}
    entries:
      "100": {start: welcome}
      "200": {start: menu, calendar: office, closed: closed}
      "300": {start: by_hours}
      "400": {start: to_ext}
      "500": {start: bye}
      "600": {start: ask, ring_s: 2}
      "700": {start: quiet}
      "800": {start: welcome, file0: false}
      "900": {start: bare_collect}
    nodes:
      welcome: {type: play, prompt: welcome, next: menu, barge_in: true}
      menu:
        type: menu
        prompt: menu
        choices: {1: sales, 2: ask, 3: info, 4: to_ext, 9: again, "#": operator}
      quiet: {type: menu, prompt: quiet_menu, choices: {1: sales}, barge_in: false, retries: 0}
      again: {type: goto, target: menu}
      ask:
        type: collect
        prompt: ask
        variable: file
        max_digits: 6
        min_digits: 3
        next: sales_prio
      bare_collect:
        type: collect
        prompt: ask
        variable: code
        terminator: none
        max_digits: 4
        inter_digit_s: 2
        retries: 0
        next: sales_prio
        on_fail: bye
      sales: {type: queue, queue: sales}
      sales_prio: {type: queue, queue: sales, priority: 2, points: 5}
      operator: {type: queue, queue: operator}
      info: {type: message, prompt: info}
      closed: {type: message, prompt: closed}
      by_hours: {type: hours, calendar: ft, ho: menu, hno: hno_msg, closed: closed}
      hno_msg: {type: message, prompt: hno}
      to_ext: {type: transfer, number: "+33140000000", prompt: transfer_notice}
      bye: {type: hangup}
    """
)
