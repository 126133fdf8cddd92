import { CalendarStore } from './calendar-store.ts';
import { derivedDisplayName, type ContactProps, type ExtendedProperty } from './contact-schema.ts';
import { newChangeKey, newGuid, newItemId } from './ids.ts';

export interface FolderRecord {
  id: string;
  displayName: string;
  parentFolderId: string;
}

export interface ContactRecord {
  id: string;
  folderId: string;
  props: ContactProps;
  /** Keyed by the lower-cased property id: Exchange matches extended property ids case-insensitively. */
  extended: Map<string, ExtendedProperty>;
  changeKey: string;
  created: number;
  modified: number;
  /** Mailbox sequence number of the last change; delta compares it with a token's watermark. */
  seq: number;
  /** Sequence number at which the contact arrived in its current folder. */
  enteredSeq: number;
}

/** A contact that left a folder (deleted or moved), kept so a later delta round can report it. */
export interface Tombstone {
  id: string;
  folderId: string;
  seq: number;
  enteredSeq: number;
}

export interface MailboxRecord {
  id: string;
  userPrincipalName: string;
  displayName: string;
  /** The default Contacts folder: parent of every folder created through /contactFolders. */
  rootFolderId: string;
  folders: Map<string, FolderRecord>;
  contacts: Map<string, ContactRecord>;
  tombstones: Tombstone[];
  seq: number;
}

/**
 * Mailboxes, contact folders and contacts, with the change bookkeeping delta needs. It knows
 * nothing of HTTP; every mutation bumps the mailbox sequence so delta rounds can be cut at a point.
 */
export class MailboxStore {
  private readonly byId = new Map<string, MailboxRecord>();
  private readonly idByUpn = new Map<string, string>();
  /** Successful API writes on contacts, for echo-loop tests. */
  writes = 0;
  /** Each mailbox's default calendar, kept apart so contact bookkeeping stays as it was. */
  readonly calendars: CalendarStore;

  constructor(private readonly now: () => number) {
    this.calendars = new CalendarStore(now);
  }

  addMailbox(m: { userPrincipalName: string; displayName?: string; id?: string }): MailboxRecord {
    const id = (m.id ?? newGuid()).toLowerCase();
    if (this.byId.has(id) || this.idByUpn.has(m.userPrincipalName.toLowerCase())) {
      throw new Error(`mailbox ${m.userPrincipalName} already exists`);
    }
    const rootFolderId = newItemId();
    const mailbox: MailboxRecord = {
      id,
      userPrincipalName: m.userPrincipalName,
      displayName: m.displayName ?? m.userPrincipalName.split('@')[0] ?? m.userPrincipalName,
      rootFolderId,
      folders: new Map([[rootFolderId, { id: rootFolderId, displayName: 'Contacts', parentFolderId: newItemId() }]]),
      contacts: new Map(),
      tombstones: [],
      seq: 0,
    };
    this.byId.set(id, mailbox);
    this.idByUpn.set(m.userPrincipalName.toLowerCase(), id);
    return mailbox;
  }

  /** Graph accepts the user's object id or userPrincipalName, both case-insensitively. */
  resolve(user: string): MailboxRecord | undefined {
    const key = user.toLowerCase();
    return this.byId.get(key) ?? this.byId.get(this.idByUpn.get(key) ?? '');
  }

  childFolders(mb: MailboxRecord): FolderRecord[] {
    return [...mb.folders.values()].filter((f) => f.parentFolderId === mb.rootFolderId);
  }

  createFolder(mb: MailboxRecord, displayName: string): FolderRecord {
    const folder = { id: newItemId(), displayName, parentFolderId: mb.rootFolderId };
    mb.folders.set(folder.id, folder);
    return folder;
  }

  deleteFolder(mb: MailboxRecord, folder: FolderRecord): void {
    for (const c of this.contactsIn(mb, folder.id)) this.removeFromFolder(mb, c);
    mb.folders.delete(folder.id);
  }

  contactsIn(mb: MailboxRecord, folderId: string): ContactRecord[] {
    return [...mb.contacts.values()].filter((c) => c.folderId === folderId);
  }

  createContact(mb: MailboxRecord, folderId: string, props: ContactProps, extended: ExtendedProperty[]): ContactRecord {
    const now = this.now();
    const seq = ++mb.seq;
    const rec: ContactRecord = {
      id: newItemId(),
      folderId,
      props: withDisplayName(props),
      extended: new Map(extended.map((e) => [e.id.toLowerCase(), e])),
      changeKey: newChangeKey(),
      created: now,
      modified: now,
      seq,
      enteredSeq: seq,
    };
    mb.contacts.set(rec.id, rec);
    return rec;
  }

  /** PATCH semantics: given properties replace the stored ones, null clears. */
  updateContact(mb: MailboxRecord, rec: ContactRecord, patch: ContactProps, extended: ExtendedProperty[]): void {
    const merged: ContactProps = { ...rec.props };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    rec.props = withDisplayName(merged);
    for (const e of extended) rec.extended.set(e.id.toLowerCase(), e);
    rec.changeKey = newChangeKey();
    rec.modified = this.now();
    rec.seq = ++mb.seq;
  }

  deleteContact(mb: MailboxRecord, rec: ContactRecord): void {
    this.removeFromFolder(mb, rec);
  }

  /** What a user dragging the contact to another folder in Outlook does; ids stay (immutable ids). */
  moveContact(mb: MailboxRecord, rec: ContactRecord, folderId: string): void {
    mb.tombstones.push({ id: rec.id, folderId: rec.folderId, seq: ++mb.seq, enteredSeq: rec.enteredSeq });
    rec.folderId = folderId;
    rec.seq = mb.seq;
    rec.enteredSeq = mb.seq;
    rec.changeKey = newChangeKey();
    rec.modified = this.now();
  }

  private removeFromFolder(mb: MailboxRecord, rec: ContactRecord): void {
    mb.contacts.delete(rec.id);
    mb.tombstones.push({ id: rec.id, folderId: rec.folderId, seq: ++mb.seq, enteredSeq: rec.enteredSeq });
  }
}

function withDisplayName(props: ContactProps): ContactProps {
  if (typeof props.displayName === 'string' && props.displayName !== '') return props;
  return { ...props, displayName: derivedDisplayName(props) };
}
