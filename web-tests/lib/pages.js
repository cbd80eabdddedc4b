// The pages every demo account can see: the one table the browser tests walk.
// To cover a new page, add its URL to the accounts that may open it.
//
// Placeholders, filled in at test time for the signed-in account (lib/resolve.js):
//   {id}     the first person linked from /persons (as that account sees it)
//   {year}   the current year
//   {import} the URL the browser lands on after uploading fixtures/persons-small.csv
//            through the form at /imports (district staff only)
//   {case}   an open case the account sees: the first linked from /cases?show=open,
//            or one it opens through the form at /cases/new (for person {id})
//   {employer} an employer the account sees: its own (employer accounts), else the first on /employers
//   {vacancy} the first vacancy the account sees on /vacancies
//   {me}     a person account's own person id (from the link to its employment profile on /me)
//   {employee} a current disabled employee of {employer} (from its "record that … left" link; staff)
//   {handover} the print page of a handover receipt linked from an open assistive device case's page
//   {levy}   the print page of {employer}'s levy statement (linked from its page)
//
// The public levy calculator /levy needs no sign-in; the harness signs every
// account in, so it is checked as the employer account (and its result as demo).
// The same for the public page of the micro-charity projects
// /public/micro-projects (checked as demo; tests/micro-projects.test.js visits
// it without signing in).

export const DEMO_PASSWORD = 'sunshine-demo-310114';

/** @type {{username: string, role: string, pages: string[]}[]} */
export const ACCOUNTS = [
  {
    username: 'demo',
    role: 'district_staff',
    pages: [
      '/',
      '/persons',
      '/persons/new',
      '/persons/{id}',
      '/persons/{id}/edit',
      '/persons/{id}/annual/{year}',
      '/persons/{id}/access-log',
      '/imports',
      '{import}',
      '/orgunits',
      '/indicators',
      '/indicators/rehab_rate',
      '/indicators/rehab_rate?sort=value&orgunit=310114102',
      '/indicators/income_per_capita',
      '/indicators/rehab_rate/gap',
      '/indicators/compare',
      '/indicators/targets',
      '/cases',
      '/cases?show=open',
      '/cases?show=open&type=employment',
      '/cases/new?person_id={id}',
      '/cases/{case}',
      '{handover}',
      '{levy}',
      '/devices/stock',
      '/rehab/centres',
      '/rehab/centres?edit=1',
      '/rehab/schedule',
      '/rehab/attendance',
      '/renovation/budget',
      '/benefits/rules',
      '/benefits/simulate',
      '/benefits/simulate?code=care_grade2&amount=200',
      '/benefits/rosters',
      '/benefits/rosters/1',
      '/towns/310114102/services',
      '/towns/310114102/projects',
      '/employers/{employer}',
      '/levy?staff=200&average_wage=120000&social_average_wage=100000&grade3=1',
      '/levy/params',
      '/vacancies/{vacancy}',
      // the demo's campaigns: 1 the health check, 2 the telecom packages
      '/campaigns',
      '/campaigns/new',
      '/campaigns/1',
      '/campaigns/2',
      '/campaigns/1/import',
      // purchased services: 1 the demo hub (its members), 2 the demo provider's organisation; contract 1 its devices contract
      '/providers',
      '/providers/new',
      '/providers/1',
      '/providers/2',
      '/contracts',
      '/contracts/new',
      '/contracts/1',
      '/providers/assign',
      '/providers/assign?type=rehabilitation',
      '/cases/{case}/assign',
      // purchased services: the year's ranking of providers and the complaints
      // (a contract's evaluation and the feedback form are walked by
      // tests/provider-evaluation.test.js, which makes the contract and case)
      '/providers/evaluation',
      '/providers/complaints',
      // the ten micro-charity projects (issue 16); the public page needs no sign-in
      '/micro-projects',
      '/public/micro-projects',
      // the volunteer corps (issue 17): the demo's volunteer 25 is the volunteer account's (南翔镇);
      // task 1 the district's event ten days ago (hours decided), 3 today's home visit, 4 tomorrow's sign language
      '/volunteers',
      '/volunteers?team=escort&orgunit=310114102',
      '/volunteers/new',
      '/volunteers/25',
      '/volunteers/25/edit',
      '/volunteers/25/certificate',
      '/volunteer-teams',
      '/volunteer-tasks',
      '/volunteer-tasks/new',
      '/volunteer-tasks/1',
      '/volunteer-tasks/3',
      '/volunteer-tasks/4',
      '/volunteer-tasks/4/qr',
      '/volunteer-hours',
      // events (issue 18): 1 the district's games 12 days ago (attendance and results), 2 the arts festival,
      // 3 南翔镇's skills contest (past), 5 the sports day ahead (the demo person registered)
      '/events',
      '/events?kind=sport',
      '/events/calendar',
      '/events/new',
      '/events/1',
      '/events/2',
      '/events/3',
      '/events/5',
      // the day centres (issue 18): the demo's 1 南翔镇阳光之家 (programmes 1–3), 2 南翔镇阳光基地,
      // 3 嘉定区阳光心园 (the district's), 4 the demo village's 残疾人之家
      // (demo_town opens the programme form, a programme's roll call and the district's centre)
      '/centres',
      '/centres/new',
      '/centres/1',
      '/centres/1/edit',
      '/centres/1/rollcall',
      '/centres/absences',
      // attachments (issue 19): a person's and a case's (empty in the demo; tests/attachments.test.js uploads)
      '/persons/{id}/attachments',
      '/cases/{case}/attachments',
      // moves between districts (issue 20): the list with the upload form, a person's issue form
      '/transfers', '/persons/{id}/transfer',
      // notifications (issue 19): the list, the settings, the deliveries
      '/notifications',
      '/notifications?unread=true',
      '/notifications/settings',
      '/notifications/outbox',
      '/notifications/outbox?state=failed',
      // the federation (issue 20): the partners' figures (no partner in the demo: the home's only), the connections
      '/federation',
      '/federation?year=2025',
      '/federation/peers',
      // the handicraft shop (issue 22): the public catalogue and a product (no sign-in needed), the staff's pages;
      // the demo's artisans 1–4, products 1–3 published and 4 a draft, orders 1–2 delivered, 3 shipped, 4 paid, 5 new
      '/shop', '/shop?q=purse&category=embroidery', '/shop/products/1',
      '/shop/staff', '/shop/staff/artisans/new', '/shop/staff/artisans/1', '/shop/staff/products/new', '/shop/staff/products/3',
      '/shop/staff/orders', '/shop/staff/orders?state=new', '/shop/staff/orders/5', '/shop/staff/orders/4?reveal=1', '/shop/staff/orders/1',
      '/shop/staff/payouts', '/shop/staff/sales',
      // the shop's photos and workshops: product 1's photos, artisan 3's (Ayi's) photo, the workshops
      '/shop/staff/products/1/photos', '/shop/staff/artisans/3/photo', '/shop/staff/workshops', '/shop/staff/workshops/new', '/shop/staff/workshops/1',
    ],
  },
  {
    username: 'demo_town',
    role: 'town_staff',
    pages: ['/', '/persons', '/visits', '/persons/{id}', '/persons/{id}/edit', '/imports', '/indicators/rehab_rate', '/indicators/rehab_rate/gap',
      '/cases', '/cases/{case}', '/devices/stock', '/rehab/centres', '/rehab/schedule', '/rehab/attendance', '/towns/310114102/services', '/towns/310114102/projects',
      '/employers', '/employers/new', '/employers/{employer}/edit', '/employers/{employer}/employees/end?person_id={employee}', '/levy/statement',
      '/persons/{id}/job-profile', '/jobs/seekers', '/jobs/seekers?skill=computer', '/vacancies', '/vacancies/new', '/vacancies/{vacancy}', '/vacancies/{vacancy}/edit',
      '/campaigns', '/campaigns/new', '/campaigns/1', '/campaigns/2/import', '/providers/evaluation', '/providers/complaints', '/micro-projects',
      '/providers', '/providers/1', '/contracts', '/contracts/2', '/providers/assign?type=assistive_device', '/cases/{case}/assign',
      // moves between districts (issue 20)
      '/transfers', '/persons/{id}/transfer',
      '/volunteers', '/volunteers/25', '/volunteers/25/certificate', '/volunteer-teams', '/volunteer-tasks', '/volunteer-tasks/new', '/volunteer-tasks/4',
      '/volunteer-tasks/4/qr', '/volunteer-hours',
      '/events', '/events/calendar', '/events/new', '/events/1', '/events/3',
      '/centres', '/centres?kind=sunshine_home&orgunit=310114102', '/centres/new', '/centres/1', '/centres/1?programme=2', '/centres/2/edit',
      '/centres/2/rollcall', '/centres/1/rollcall?programme=2', '/centres/3', '/centres/absences',
      '/notifications', '/notifications/outbox'],
  },
  {
    username: 'demo_village',
    role: 'village_assistant',
    pages: [
      '/', '/persons', '/visits', '/offline', '/persons/{id}', '/persons/{id}/annual/{year}',
      // a village: no units below, so no drill-down by unit; an empty gap list
      '/indicators/rehab_rate', '/indicators/survey_coverage/gap', '/indicators/compare',
      '/cases', '/cases/new?person_id={id}', '/cases/{case}',
      '/persons/{id}/job-profile', '/jobs/seekers',
      // the mark-done form is walked by tests/campaigns.test.js (it needs a person of the list)
      '/campaigns', '/campaigns/1', '/campaigns/2',
      // the volunteer corps: no volunteer lives in the demo village; it sees its town's and the district's tasks
      '/volunteers', '/volunteer-tasks', '/volunteer-tasks/4', '/volunteer-tasks/new', '/volunteer-hours', '/volunteer-teams',
      // events: the district's and its town's, and 4 the village's own culture afternoon today
      '/events', '/events/calendar', '/events/new', '/events/1', '/events/4', '/events/5',
      // the day centres: its village home (4) it runs; the town's Sunshine Home (1) it sees for its villagers
      '/centres', '/centres/1', '/centres/4', '/centres/4/rollcall', '/centres/absences',
      // attachments: a person's and a case's
      '/persons/{id}/attachments', '/cases/{case}/attachments',
      // notifications (issue 19)
      '/notifications', '/notifications/settings',
    ],
  },
  { username: 'demo_person', role: 'person', pages: ['/', '/me', '/me/data', '/cases', '/cases/new', '/cases/{case}', '/persons/{me}/job-profile', '/my/events', '/notifications', '/notifications/settings', '/persons/{me}/attachments', '/shop', '/shop/products/2'] },
  {
    username: 'demo_leader',
    role: 'leader',
    // figures only: the gap lists (persons) are not theirs
    pages: ['/', '/indicators', '/indicators/rehab_rate', '/indicators/compare', '/federation', '/shop/staff/sales'],
  },
  { username: 'demo_auditor', role: 'auditor', pages: ['/', '/audit', '/account/2fa'] },
  { username: 'demo_sysadmin', role: 'sysadmin', pages: ['/', '/users', '/federation/peers'] },
  { username: 'demo_secadmin', role: 'secadmin', pages: ['/', '/users'] },
  // the provider opens no cases: {case} is the first of the demo cases assigned to its organisation;
  // it sees its own organisation (2) and its contracts (1, 2) only
  { username: 'demo_provider', role: 'provider', pages: ['/', '/cases?show=open', '/cases/{case}', '/devices/stock', '/providers', '/providers/2', '/contracts', '/contracts/1', '/micro-projects', '/cases/{case}/attachments'] },
  { username: 'demo_volunteer', role: 'volunteer', pages: ['/', '/my/tasks', '/my/hours'] },
  { username: 'demo_employer', role: 'employer', pages: ['/', '/employers/{employer}', '{levy}', '/levy', '/vacancies', '/vacancies/new', '/vacancies/{vacancy}', '/vacancies/{vacancy}/edit'] },
];

/** The languages of the UI: the query value, and the <html lang> expected for it. */
export const LANGUAGES = [
  { code: 'zh', htmlLang: 'zh-CN' },
  { code: 'en', htmlLang: 'en' },
];

/** The display modes of the UI (the `display` preference). */
export const DISPLAY_MODES = ['standard', 'large', 'contrast'];

/** The account a role name refers to. */
export function account(username) {
  const a = ACCOUNTS.find((x) => x.username === username);
  if (!a) throw new Error(`no demo account ${username} in lib/pages.js`);
  return a;
}

/**
 * A file-name-safe slug of a page template: "/" → "home",
 * "/persons/{id}/annual/{year}" → "persons-id-annual-year", "{import}" → "import-result",
 * "{levy}" → "levy-document".
 */
export function slug(template) {
  if (template === '/') return 'home';
  if (template === '{import}') return 'import-result';
  // A whole URL found at run time ({handover}, {levy}: a document's print page).
  const whole = /^\{(\w+)\}$/.exec(template);
  if (whole) return `${whole[1]}-document`;
  return template
    .replace(/[{}]/g, '')
    .split('/')
    .filter(Boolean)
    .join('-')
    .replace(/[^A-Za-z0-9_-]/g, '_');
}
