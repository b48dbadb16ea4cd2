"""What the demo production holds besides its plan, in the production's language: names, cues, media.

The demo is a French feature: its tasks, crew, rooms, deliverables, cues and notes are written as a French
post-production team writes them (glossary: docs GLOSSARY.md). Task keys, skills and room kinds stay the
template's codes: only what a reader sees is French.
"""

from __future__ import annotations

import math
import wave
from pathlib import Path

# The demo accounts that sign the demo's writes (services/users.DEMO_USERS).
SUPERVISOR, DIRECTOR, EDITOR = "supervisor", "director", "editor"

# Task names of the feature-film template in French, by key ({lang}: the dubbed language's code).
TASK_NAMES_FR = {
    "PIC-INGEST": "Ingest des rushes et vérification de la synchro",
    "PIC-ASSEMBLY": "Montage image : ours",
    "PIC-EDITORS-CUT": "Montage image : version monteur",
    "PIC-DIRECTORS-CUT": "Montage image : version réalisateur",
    "PIC-SCREENING": "Projection test",
    "PIC-LOCK": "Montage image : fin de montage",
    "PIC-TURNOVER": "Exports vers les départements (EDL, AAF, sons témoins)",
    "VFX-SPOTTING": "Repérage et devis VFX",
    "VFX-PULLS": "Extractions VFX et envoi aux prestataires",
    "VFX-SHOTS": "Fabrication et validations des plans VFX",
    "VFX-FINALS": "Livraison et validation des plans VFX définitifs",
    "GRD-CONFORM": "Conformation",
    "GRD-GRADE": "Étalonnage",
    "GRD-VFX-INSERT": "Intégration des VFX et retouches d'étalonnage",
    "SND-SPOTTING": "Séance de repérage son",
    "SND-DIALOGUE": "Montage des directs",
    "SND-EFFECTS": "Montage son : effets et ambiances",
    "ADR-SPOTTING": "Repérage de la postsynchro",
    "ADR-RECORD": "Enregistrement de la postsynchro",
    "ADR-EDIT": "Montage de la postsynchro",
    "FOL-SPOTTING": "Repérage du bruitage",
    "FOL-RECORD": "Enregistrement du bruitage",
    "FOL-EDIT": "Montage du bruitage",
    "MUS-SPOTTING": "Repérage musique",
    "MUS-COMPOSE": "Composition de la musique originale",
    "MUS-CLEARANCE": "Droits des musiques préexistantes",
    "MUS-RECORD": "Enregistrement et mixage de la musique",
    "MUS-EDIT": "Montage musique",
    "MIX-PREMIX": "Prémixages",
    "MIX-FINAL": "Mixage",
    "MIX-PRINTMASTER": "Printmaster et stems",
    "MIX-ME": "Version internationale (M&E)",
    "DUB-{LANG}-DETECT": "Détection et bande rythmo ({lang})",
    "DUB-{LANG}-ADAPT": "Traduction et adaptation ({lang})",
    "DUB-{LANG}-CASTING": "Casting voix ({lang})",
    "DUB-{LANG}-RECORD": "Enregistrement du doublage ({lang})",
    "DUB-{LANG}-MIX": "Mixage de la version doublée ({lang})",
    "DUB-{LANG}-QC": "Contrôle qualité de la version doublée ({lang})",
    "MST-SUBTITLES": "Sous-titres et sous-titrage sourds et malentendants",
    "MST-DCP": "Fabrication du DCP",
    "MST-MASTERS": "Masters vidéo (ProRes, IMF)",
    "DLV-QC": "Contrôle qualité des masters",
    "DLV-PAPERWORK": "Relevé des musiques et documents de livraison",
    "DLV-DELIVERY": "Livraison au distributeur",
}


def task_name_fr(key: str) -> str | None:
    """The French name of a template task, by its key (DUB-EN-MIX reads the DUB-{LANG}-MIX entry)."""
    if key in TASK_NAMES_FR:
        return TASK_NAMES_FR[key]
    parts = key.split("-")
    if len(parts) == 3 and parts[0] == "DUB":
        name = TASK_NAMES_FR.get(f"DUB-{{LANG}}-{parts[2]}")
        return name.format(lang=parts[1].lower()) if name else None
    return None


# The crew's job titles in French, by the template's role, as the demo's crew is named (productions.DEMO_NAMES,
# one per role in order: the titles agree with the person); skills keep their codes, which the planner matches.
CREW_ROLES_FR = {
    "Post-production supervisor": "Directrice de post-production",
    "Editor": "Chef monteur",
    "Assistant editor": "Assistante monteuse",
    "VFX supervisor": "Superviseur VFX",
    "Colourist": "Étalonneuse",
    "Supervising sound editor": "Chef monteur son",
    "Dialogue editor": "Monteuse dialogues",
    "Sound effects editor": "Monteur son effets",
    "ADR mixer": "Ingénieure du son postsynchro",
    "Foley artist": "Bruiteur",
    "Composer": "Compositrice",
    "Music supervisor": "Superviseur musical",
    "Music editor": "Monteuse musique",
    "Re-recording mixer": "Mixeur",
    "Detection and adaptation": "Détectrice et adaptatrice",
    "Dubbing director": "Directeur artistique doublage",
    "Mastering engineer": "Ingénieure mastering et contrôle qualité",
    "Subtitler": "Sous-titreur",
}

# The rooms in French, by the template's name; their kinds keep their codes (what tasks ask for).
ROOM_NAMES_FR = {
    "Edit 1": "Salle de montage 1",
    "Edit 2": "Salle de montage 2",
    "Grading suite": "Salle d'étalonnage",
    "Mix stage": "Auditorium de mixage",
    "ADR stage": "Studio de postsynchro",
    "Foley stage": "Studio de bruitage",
    "Screening room": "Salle de projection",
    "Machine room": "Salle des machines",
}


def name_fr(what: str, ref: str) -> str | None:
    """The demo's French for a template's task (by key), crew role or room (productions.create_production's `named`)."""
    if what == "task":
        return task_name_fr(ref)
    return {"role": CREW_ROLES_FR, "room": ROOM_NAMES_FR}.get(what, {}).get(ref)


# Deliverables: (name, spec, language, media file or None, what the file is).
# "PAD" (prêt à diffuser) is the broadcaster's master; "VA" the English dubbed version.
DELIVERABLES_FR = (
    ("PAD TV (EBU R128)", "ebu-r128", None, "pad-tv.wav", "clipped"),
    ("Master streaming", "streaming", None, None, None),
    ("DCP son 5.1", "dcp-audio", None, "dcp-51.wav", "dcp"),
    ("Mixage VA stéréo", "ebu-r128", "en", "va-stereo.wav", "stereo"),
    ("Copie de travail", None, None, None, None),
    ("Relevé des musiques (cue sheet)", None, None, None, None),
)

# Cues placed in reel 3 between the two cut versions: (number, frame offset from the reel start,
# length in frames, fields). Offsets land inside shots the recut keeps, moves or trims.
ADR_CUES = (
    ("A301", 700, 60, {"character": "Louise", "actor": "Camille Renard", "line": "Tu ne l'as jamais dit.",
                       "reason": "bruit de circulation", "priority": "4"}),
    ("A302", 2400, 90, {"character": "Marc", "actor": "Hugo Lefèvre", "line": "On part ce soir, c'est décidé.",
                        "reason": "jeu", "priority": "3"}),
    ("A303", 5200, 48, {"character": "Louise", "actor": "Camille Renard", "line": "(respiration)",
                        "reason": "ajout", "priority": "2"}),
)  # fmt: skip
FOLEY_CUES = (
    ("F301", 300, 200, {"description": "Pas sur le parquet, Louise", "category": "pas"}),
    ("F302", 3100, 120, {"description": "Froissement de manteau", "category": "vêtements"}),
    ("F303", 6000, 72, {"description": "Clés, porte d'entrée", "category": "accessoires"}),
)
MUSIC_CUES = (
    ("3M1", 0, 1400, {"title": "Les Heures Claires (thème)", "composer": "Anaïs Roux", "publisher": "Éditions Lumière",
                      "usage": "background-instrumental"}),
    ("3M2", 3600, 900, {"title": "La Javanaise", "composer": "Serge Gainsbourg", "publisher": "Warner Chappell",
                        "performer": "Juliette Gréco", "usage": "visual-vocal"}),
)  # fmt: skip

NOTES_FR = {
    "PIC-EDITORS-CUT": "La bobine 3 est trop longue : le réalisateur veut essayer la fin alternative.",
    "VFX-SPOTTING": "Environ 120 plans VFX attendus ; deux prestataires font un devis.",
    "MUS-CLEARANCE": "Le label n'a toujours pas répondu pour La Javanaise : relancer, sinon prévoir un remplacement.",
    "GRD-GRADE": "Étalonnage prévu chez Color Lab ; l'étalonneuse est au jury d'un festival la semaine du 10.",
}


def write_tone(path: Path, *, seconds: float, channels: int, dbfs: float, clip_at: float | None = None) -> None:
    """A 24-bit 48 kHz 1 kHz sine at `dbfs` per channel; with clip_at, half a second driven into clipping there."""
    import numpy as np  # the QC that reads these files needs NumPy too

    rate = 48000
    n = np.arange(round(seconds * rate))
    x = 10 ** (dbfs / 20) * np.sin(2 * math.pi * 1000 * n / rate)
    if clip_at is not None:
        burst = slice(round(clip_at * rate), round((clip_at + 0.5) * rate))
        x[burst] = np.clip(4 * x[burst] / 10 ** (dbfs / 20), -1.0, 1.0)
    ints = np.round(x * (2**23 - 1)).astype("<i4")
    frames = np.repeat(ints[:, None], channels, axis=1).reshape(-1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(3)
        w.setframerate(rate)
        w.writeframes(frames.view(np.uint8).reshape(-1, 4)[:, :3].tobytes())


def write_media(folder: Path, kind: str, name: str) -> Path:
    """One of the demo's media files, a few seconds long so that the demo's QC runs take no time."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if kind == "clipped":  # a stereo PAD at -23 LUFS with a clipped burst 2 s in: it fails QC
        write_tone(path, seconds=4, channels=2, dbfs=-23.0, clip_at=2.0)
    elif kind == "dcp":  # a 5.1 line-up tone: no loudness target, no overs
        write_tone(path, seconds=2, channels=6, dbfs=-20.0)
    else:  # stereo at -23 LUFS (a 1 kHz sine reads its dBFS per channel in LUFS on two channels)
        write_tone(path, seconds=3, channels=2, dbfs=-23.0)
    return path
