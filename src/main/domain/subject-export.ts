// Subject access (GDPR Art. 15): one person's data as one ZIP they can open and read — person.json
// (their record, consent history, attendance and the list of face templates), their photo, and the face
// images their templates were computed from, with a README in both languages.
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { ExportFile, Person } from '../../shared/types';
import type { Store } from '../db';
import { decodeChip } from '../engine';

/** Every day an event can belong to: a person's whole history. */
const ALL_DAYS = { from: '1970-01-01', to: '9999-12-31' } as const;

const README = `Your data in Presence
=====================

This archive holds everything Presence stores about you on this computer:

- person.json: your record (name, ID number, notes), every time your consent was given or withdrawn
  (who recorded it, how, and which version of the consent text you were shown), every check-in and
  check-out with its corrections, and the list of your face templates.
- photo.jpg: the photo shown next to your name (if there is one).
- faces/: the aligned face images your face templates were computed from.

A face template is a list of numbers computed from a face image. The numbers themselves are not in this
archive: they identify your face to any system that uses the same network; the images they come from are.

The "auditLog" entry is the head of the station's tamper-evident audit log when this copy was made.

您在 Presence 中的数据
=====================

此压缩包包含 Presence 在本机保存的关于您的全部数据：

- person.json：您的记录（姓名、编号、备注），每一次给予或撤回同意的记录（记录人、方式、您所看到的同意书版本），
  每一次签到、签退及其更正，以及您的人脸模板列表。
- photo.jpg：显示在您姓名旁的照片（如有）。
- faces/：用于计算您人脸模板的对齐人脸图像。

人脸模板是根据人脸图像计算出的一组数字。这些数字本身不在此压缩包中：它们可在使用同一网络的任何系统中识别您的
人脸；计算它们所用的图像已包含在内。

"auditLog" 一项是生成此副本时本站防篡改审计日志的链头。
`;

export function subjectAccessArchive(store: Store, person: Person, nowMs: number): ExportFile {
  const exportedAt = new Date(nowMs).toISOString();
  const files: Zippable = { 'README.txt': strToU8(README) };
  const thumbnail = store.people.getThumbnail(person.id);
  if (thumbnail) files['photo.jpg'] = thumbnail;

  const templates = store.templates.listMeta(person.id).map((t, i) => {
    const chip = t.hasChip && !t.damaged ? store.templates.chip(t.id) : null;
    const image = chip ? `faces/face-${String(i + 1).padStart(2, '0')}.jpg` : null;
    if (chip && image) files[image] = decodeChip(chip).jpeg;
    return {
      id: t.id,
      createdAt: t.createdAt,
      source: t.source,
      pose: t.pose,
      quality: t.quality,
      encoder: t.modelId,
      dimensions: t.dim,
      image,
    };
  });
  const attendance = store.attendance.list({ ...ALL_DAYS, personId: person.id }).map((e) => ({
    id: e.id,
    kind: e.kind,
    at: e.at,
    workDay: e.localDay,
    station: e.station,
    source: e.source,
    correctedAt: e.correctedAt,
    reason: e.reason,
    matchDistance: e.distance,
    livenessScore: e.liveness,
  }));
  const audit = store.audit.verify();
  const record = {
    format: 'presence-subject-access/1',
    exportedAt,
    person: {
      id: person.id,
      name: person.name,
      externalId: person.externalId,
      notes: person.notes,
      createdAt: person.createdAt,
      updatedAt: person.updatedAt,
      photo: thumbnail ? 'photo.jpg' : null,
    },
    consent: store.consent.history(person.id).map(({ personId: _p, ...e }) => e),
    attendance,
    faceTemplates: templates,
    auditLog: { ok: audit.ok, entries: audit.entries, head: audit.head },
  };
  files['person.json'] = strToU8(JSON.stringify(record, null, 2));
  const zip = zipSync(files, { level: 6, mtime: new Date(nowMs) });
  return {
    filename: `presence-data-${slug(person.name)}-${exportedAt.slice(0, 10)}.zip`,
    mime: 'application/zip',
    bytes: zip,
  };
}

/** The name as a safe file name part ("Zoë O'Neil" -> "Zoe-O-Neil"); "person" when nothing is left. */
function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return s || 'person';
}
