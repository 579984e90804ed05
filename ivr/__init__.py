"""The IVR: menu trees, opening hours and the "file 0" message (pure, sans-I/O).

- :mod:`ivr.loader` reads a YAML tree (:func:`~ivr.loader.load`, :func:`~ivr.loader.load_file`)
  into the frozen data of :mod:`ivr.config`, or raises :class:`~ivr.errors.IvrConfigError`
  naming the file, line and field of every problem;
- :class:`ivr.session.IvrSession` walks one call through a tree: events in
  (:mod:`ivr.events`), commands out (:mod:`ivr.commands`), records for the call event stream
  (:mod:`queues.records`), time always a parameter;
- :class:`ivr.service.IvrService` holds the current tree; a reload serves new calls only;
- :mod:`ivr.file0_api` is what a session asks of file 0, :mod:`ivr.file0` the activations;
- :mod:`ivr.cli` adds ``accueil ivr check FILE``.
"""
