// Test data: resident ID numbers with valid check characters, and the small
// person file uploaded through /imports.
//
// fixtures/persons-small.csv is committed as generated for the demo village
// 310114102001. The village of the first person is only known at test time:
// when it differs, personsFixture() writes the same rows for that village to a
// temporary file (the committed file is never rewritten by a test run).
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES_DIR } from './paths.js';

export const PERSONS_FIXTURE = path.join(FIXTURES_DIR, 'persons-small.csv');
export const DEFAULT_VILLAGE = '310114102001';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number. */
export function idCheckChar(first17) {
  if (!/^\d{17}$/.test(first17)) throw new Error(`need 17 digits, got ${JSON.stringify(first17)}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/** True when s is an 18-character ID number whose check character is right. */
export function isValidIdNumber(s) {
  return /^\d{17}[\dX]$/.test(s) && idCheckChar(s.slice(0, 17)) === s[17];
}

/** An 18-character ID number: 6-digit region, YYYYMMDD birth date, 3-digit sequence (odd = male). */
export function makeIdNumber(region, birth, seq) {
  const first17 = `${region}${birth}${String(seq).padStart(3, '0')}`;
  return first17 + idCheckChar(first17);
}

// Three people unlikely to be in the demo data (the same region, birth date and sequence number).
const ROWS = [
  { name: '韦思远', birth: '19850312', seq: 991, category: 4, grade: 2 },
  { name: '卢晓梅', birth: '19920728', seq: 992, category: 2, grade: 3 },
  { name: '郁建华', birth: '19670105', seq: 993, category: 1, grade: 4 },
];

/** The rows of the fixture, for assertions: name and ID number. */
export const FIXTURE_PEOPLE = ROWS.map((r) => ({ name: r.name, idNumber: makeIdNumber('310114', r.birth, r.seq) }));

/** The CSV text of the person fixture for a village code. */
export function personsCsv(village) {
  const lines = ['姓名,身份证号,残疾类别,残疾等级,所属村居'];
  for (const r of ROWS) {
    lines.push([r.name, makeIdNumber('310114', r.birth, r.seq), r.category, r.grade, village].join(','));
  }
  return lines.join('\n') + '\n';
}

/** The path of a person file for the village: the committed fixture when it fits, else a temporary copy. */
export async function personsFixture(village) {
  if (!/^\d{12}$/.test(village)) throw new Error(`not a 12-digit village code: ${JSON.stringify(village)}`);
  const text = personsCsv(village);
  const committed = await readFile(PERSONS_FIXTURE, 'utf8').catch(() => null);
  if (committed === text) return PERSONS_FIXTURE;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sunshine-fixture-'));
  const file = path.join(dir, 'persons-small.csv');
  await writeFile(file, text);
  return file;
}

// `node lib/fixtures.js` regenerates the committed fixture.
if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(PERSONS_FIXTURE, personsCsv(process.argv[2] || DEFAULT_VILLAGE));
  console.log(`wrote ${PERSONS_FIXTURE}`);
}
