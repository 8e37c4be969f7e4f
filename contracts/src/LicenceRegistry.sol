// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILicenceRegistry} from "./ILicenceRegistry.sol";

/**
 * @title LicenceRegistry
 * @notice Implements ILicenceRegistry. Batches and statuses live in events, committed by
 * per-authority running heads (docs/decisions/0002-state-in-events.md); only authority
 * records, role accounts, scopes, keys, council and proposals are kept in storage.
 *
 * Conventions (docs/decisions/0010-contract-conventions.md):
 * - access is checked first, then state, then arguments;
 * - `set*` functions are idempotent: setting the current value succeeds and emits nothing;
 *   transitions (add, remove, suspend, reinstate, mark compromised, cancel) revert when the
 *   target state already holds;
 * - every real change emits one past-tense event right after it.
 * Powers are bounded per role and per call (docs/decisions/0110-roles-and-bounded-powers.md).
 */
contract LicenceRegistry is ILicenceRegistry {
    uint256 private constant NODE = 16; // bytes per root / status reference
    uint256 private constant MAX_ROOTS = 16; // roots per anchor
    uint256 private constant MAX_REFS = 256; // references per status change

    uint64 private constant DEFAULT_LIFETIME = 7 days;
    uint64 private constant MAX_LIFETIME = 30 days;

    // Stored in place of a zero head, so an authority's first anchor or status change
    // rewrites a non-zero slot (5,000 gas) rather than filling a zero one (22,100 gas);
    // registration pays that once. keccak256 never yields this value in practice.
    bytes32 private constant ZERO_HEAD = bytes32(uint256(1));

    uint8 private constant ANCHOR = 1;
    uint8 private constant STATUS = 2;
    uint8 private constant KEYS = 4;
    uint8 private constant ALL_ROLES = ANCHOR | STATUS | KEYS;

    uint8 private constant REVOKED = 1;
    uint8 private constant SUSPENDED = 2;
    uint8 private constant SUPERSEDED = 4;
    uint8 private constant BATCH_WITHDRAWN = 5;

    uint8 private constant COUNCIL_WITHDRAWN = 5;

    struct Proposal {
        address proposer;
        bool executed;
        bool cancelled;
        uint64 createdAt;
        uint64 expiresAt;
        bytes action;
    }

    struct Member {
        bool active;
        uint32 generation; // counts additions, so approvals from before a removal lapse
    }

    // One slot: the role check on anchor and setStatus is the account lookup itself.
    struct Account {
        uint32 authority;
        uint8 roles;
    }

    // Hot fields first: anchor/setStatus touch slot 0 and one head slot.
    struct Authority {
        bool suspended;
        uint64 graceUntil;
        uint32 keyCount;
        bytes32 batchHead;
        bytes32 statusHead;
        string id;
        string nameZh;
        string nameEn;
        string jurisdiction;
    }

    struct ScopeState {
        bool enabled;
        bool held; // enabled at some time: its grace date may still be changed
        uint64 graceUntil;
        uint32 position; // 1-based index in _scopeList while enabled
    }

    // A compressed P-256 key in two slots: prefix byte (0x02/0x03) + x coordinate.
    struct Key {
        bytes1 prefix;
        uint64 validFrom;
        uint64 validUntil;
        uint64 compromisedAt;
        bytes32 x;
    }

    bool private immutable _dev;

    address[] private _council;
    mapping(address account => Member) private _members;
    uint8 private _threshold;

    uint256 private _proposalCount;
    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => mapping(address member => uint32 generation)) private _approvedIn;

    uint32 private _authorityCount;
    mapping(uint32 authority => Authority) private _authorities;
    mapping(bytes32 idHash => uint32 authority) private _authorityById;
    mapping(address account => Account) private _accounts;
    mapping(uint32 authority => mapping(uint8 licenceType => mapping(bytes6 region => ScopeState))) private
        _scopes;
    mapping(uint32 authority => Scope[]) private _scopeList;
    mapping(uint32 authority => mapping(uint32 keyId => Key)) private _keys;

    modifier onlySelf() {
        if (msg.sender != address(this)) revert RegistryOnlySelf(msg.sender);
        _;
    }

    modifier onlyCouncil() {
        if (!_members[msg.sender].active) revert RegistryNotCouncilMember(msg.sender);
        _;
    }

    /// `dev_` relaxes the threshold rule to 1 <= threshold <= members (single-machine set-ups).
    constructor(address[] memory council, uint8 threshold_, bool dev_) {
        _dev = dev_;
        for (uint256 i = 0; i < council.length; ++i) {
            _addCouncilMember(council[i]);
        }
        _setThreshold(threshold_);
    }

    // ------------------------------------------------------------------ governance

    function propose(bytes calldata action, uint64 lifetime) external onlyCouncil returns (uint256 proposalId) {
        _checkAction(action);
        if (lifetime > MAX_LIFETIME) revert RegistryInvalidLifetime(lifetime, MAX_LIFETIME);
        uint64 createdAt = uint64(block.timestamp);
        uint64 expiresAt = createdAt + (lifetime == 0 ? DEFAULT_LIFETIME : lifetime);
        proposalId = ++_proposalCount;
        Proposal storage p = _proposals[proposalId];
        p.proposer = msg.sender;
        p.createdAt = createdAt;
        p.expiresAt = expiresAt;
        p.action = action;
        emit ProposalCreated(proposalId, msg.sender, action, expiresAt);
        _approve(proposalId, p);
    }

    function approve(uint256 proposalId) external onlyCouncil {
        Proposal storage p = _open(proposalId);
        if (_approvedIn[proposalId][msg.sender] == _members[msg.sender].generation) {
            revert RegistryProposalAlreadyApproved(proposalId, msg.sender);
        }
        _approve(proposalId, p);
    }

    function cancel(uint256 proposalId) external onlyCouncil {
        Proposal storage p = _existingProposal(proposalId);
        if (p.proposer != msg.sender) revert RegistryNotProposer(proposalId, msg.sender);
        if (p.executed) revert RegistryProposalAlreadyExecuted(proposalId);
        if (p.cancelled) revert RegistryProposalCancelled(proposalId);
        p.cancelled = true;
        emit ProposalCancelled(proposalId);
    }

    function addCouncilMember(address account) external onlySelf {
        _addCouncilMember(account);
        _checkThreshold(_threshold, _council.length);
    }

    function removeCouncilMember(address account) external onlySelf {
        if (!_members[account].active) revert RegistryCouncilMemberUnknown(account);
        uint256 remaining = _council.length - 1;
        _checkThreshold(_threshold, remaining);
        for (uint256 i = 0; i < _council.length; ++i) {
            if (_council[i] == account) {
                _council[i] = _council[remaining];
                _council.pop();
                break;
            }
        }
        _members[account].active = false;
        emit CouncilMemberRemoved(account);
    }

    function setThreshold(uint8 threshold_) external onlySelf {
        _setThreshold(threshold_);
    }

    function registerAuthority(
        string calldata id,
        string calldata nameZh,
        string calldata nameEn,
        string calldata jurisdiction,
        Scope[] calldata scopes_,
        RoleAccount[] calldata accounts
    ) external onlySelf returns (uint32 authority_) {
        authority_ = _register(id, nameZh, nameEn, jurisdiction);
        for (uint256 i = 0; i < scopes_.length; ++i) {
            _setScope(authority_, scopes_[i].licenceType, scopes_[i].region, true, 0);
        }
        for (uint256 i = 0; i < accounts.length; ++i) {
            _setAccount(authority_, accounts[i].account, accounts[i].roles);
        }
    }

    function setScope(uint32 authority_, uint8 licenceType, bytes6 region, bool enabled, uint64 graceUntil)
        external
        onlySelf
    {
        _existing(authority_);
        _setScope(authority_, licenceType, region, enabled, graceUntil);
    }

    function suspendAuthority(uint32 authority_, uint64 graceUntil) external onlySelf {
        Authority storage a = _existing(authority_);
        if (a.suspended && a.graceUntil == graceUntil) revert RegistryAuthoritySuspended(authority_);
        a.suspended = true;
        a.graceUntil = graceUntil;
        emit AuthoritySuspended(authority_, graceUntil);
    }

    function reinstateAuthority(uint32 authority_) external onlySelf {
        Authority storage a = _existing(authority_);
        if (!a.suspended) revert RegistryAuthorityNotSuspended(authority_);
        a.suspended = false;
        a.graceUntil = 0;
        emit AuthorityReinstated(authority_);
    }

    function setAuthorityAccount(uint32 authority_, address account, uint8 roles) external onlySelf {
        _existing(authority_);
        _setAccount(authority_, account, roles);
    }

    function councilSetStatus(
        uint32 authority_,
        uint8 status,
        uint64 until,
        uint8 reasonClass,
        bytes calldata refs,
        bytes calldata successors
    ) external onlySelf {
        _existing(authority_);
        _checkStatus(status, until, reasonClass, refs, successors);
        _setStatus(authority_, status, until, reasonClass, refs, successors);
    }

    function councilSetKeyCompromised(uint32 authority_, uint32 keyId, uint64 compromisedAt) external onlySelf {
        _existing(authority_);
        Key storage k = _existingKey(authority_, keyId);
        uint64 old = k.compromisedAt;
        if (old == compromisedAt) return;
        k.compromisedAt = compromisedAt;
        emit KeyCompromiseSet(authority_, keyId, old, compromisedAt);
    }

    function councilSetKeyValidUntil(uint32 authority_, uint32 keyId, uint64 validUntil) external onlySelf {
        _existing(authority_);
        Key storage k = _existingKey(authority_, keyId);
        uint64 old = k.validUntil;
        if (validUntil == old) return;
        if (validUntil <= k.validFrom) revert RegistryInvalidKeyWindow(k.validFrom, validUntil);
        k.validUntil = validUntil;
        emit KeyValidUntilChanged(authority_, keyId, old, validUntil);
    }

    // ------------------------------------------------------------------ role accounts

    function addKey(bytes calldata publicKey, uint64 validFrom, uint64 validUntil)
        external
        returns (uint32 keyId)
    {
        uint32 authority_ = _authorityWith(KEYS);
        Authority storage a = _authorities[authority_];
        if (a.suspended) revert RegistryAuthoritySuspended(authority_);
        if (publicKey.length != 33) revert RegistryInvalidKey(publicKey.length);
        bytes1 prefix = publicKey[0];
        if (prefix != 0x02 && prefix != 0x03) revert RegistryInvalidKeyPrefix(prefix);
        if (validFrom >= validUntil || validUntil <= block.timestamp) {
            revert RegistryInvalidKeyWindow(validFrom, validUntil);
        }
        keyId = ++a.keyCount;
        _keys[authority_][keyId] = Key({
            prefix: prefix,
            validFrom: validFrom,
            validUntil: validUntil,
            compromisedAt: 0,
            x: bytes32(publicKey[1:33])
        });
        emit KeyAdded(authority_, keyId, publicKey, validFrom, validUntil);
    }

    function setKeyValidUntil(uint32 keyId, uint64 validUntil) external {
        uint32 authority_ = _authorityWith(KEYS);
        Key storage k = _existingKey(authority_, keyId);
        uint64 old = k.validUntil;
        if (validUntil == old) return;
        // Only the council may end a key's validity in the past: that would void licences
        // already anchored under it.
        if (validUntil > old || validUntil <= k.validFrom || validUntil < block.timestamp) {
            revert RegistryInvalidKeyWindow(k.validFrom, validUntil);
        }
        k.validUntil = validUntil;
        emit KeyValidUntilChanged(authority_, keyId, old, validUntil);
    }

    function markKeyCompromised(uint32 keyId) external {
        uint32 authority_ = _authorityWith(KEYS);
        Key storage k = _existingKey(authority_, keyId);
        uint64 current = k.compromisedAt;
        uint64 now_ = uint64(block.timestamp);
        if (current != 0 && current <= now_) revert RegistryKeyAlreadyCompromised(authority_, keyId, current);
        k.compromisedAt = now_;
        emit KeyCompromiseSet(authority_, keyId, current, now_);
    }

    function anchor(uint8 licenceType, bytes6 region, uint32 count, bytes calldata roots) external {
        uint32 authority_ = _authorityWith(ANCHOR);
        Authority storage a = _authorities[authority_];
        if (a.suspended) revert RegistryAuthoritySuspended(authority_);
        if (!_scopes[authority_][licenceType][region].enabled) {
            revert RegistryScopeNotAccredited(authority_, licenceType, region);
        }
        if (count == 0) revert RegistryEmptyBatch();
        if (roots.length == 0 || roots.length % NODE != 0) revert RegistryInvalidRoots(roots.length);
        if (roots.length > MAX_ROOTS * NODE) revert RegistryTooManyRoots(roots.length / NODE, MAX_ROOTS);
        uint64 anchoredAt = uint64(block.timestamp);
        bytes32 head =
            keccak256(abi.encodePacked(_head(a.batchHead), licenceType, region, count, anchoredAt, roots));
        a.batchHead = head;
        emit BatchAnchored(authority_, licenceType, region, count, anchoredAt, roots, head);
    }

    function setStatus(
        uint8 status,
        uint64 until,
        uint8 reasonClass,
        bytes calldata refs,
        bytes calldata successors
    ) external {
        uint32 authority_ = _authorityWith(STATUS);
        if (status == BATCH_WITHDRAWN || reasonClass == COUNCIL_WITHDRAWN) {
            revert RegistryCouncilOnly(status, reasonClass);
        }
        // A suspended authority may still withdraw trust (revoke, suspend), not extend it.
        if (status != REVOKED && status != SUSPENDED && _authorities[authority_].suspended) {
            revert RegistryAuthoritySuspended(authority_);
        }
        _checkStatus(status, until, reasonClass, refs, successors);
        _setStatus(authority_, status, until, reasonClass, refs, successors);
    }

    function anchorAudit(bytes32 head, uint64 count) external {
        uint32 authority_ = _authorityWith(ANCHOR);
        if (count == 0 || head == bytes32(0)) revert RegistryInvalidAuditHead(head, count);
        emit AuditAnchored(authority_, head, count);
    }

    // ------------------------------------------------------------------ views

    function dev() external view returns (bool) {
        return _dev;
    }

    function threshold() external view returns (uint8) {
        return _threshold;
    }

    function councilMembers() external view returns (address[] memory) {
        return _council;
    }

    function isCouncilMember(address account) external view returns (bool) {
        return _members[account].active;
    }

    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    function proposal(uint256 proposalId)
        external
        view
        returns (
            address proposer,
            bytes memory action,
            uint256 approvals,
            bool executed,
            bool cancelled,
            uint64 createdAt,
            uint64 expiresAt
        )
    {
        Proposal storage p = _existingProposal(proposalId);
        return (p.proposer, p.action, _approvals(proposalId), p.executed, p.cancelled, p.createdAt, p.expiresAt);
    }

    function hasApproved(uint256 proposalId, address member) external view returns (bool) {
        Member storage m = _members[member];
        return m.active && _approvedIn[proposalId][member] == m.generation;
    }

    function authorityCount() external view returns (uint32) {
        return _authorityCount;
    }

    function authorityAccount(address account) external view returns (uint32 authority_, uint8 roles) {
        Account storage acc = _accounts[account];
        return (acc.authority, acc.roles);
    }

    function authorityById(string calldata id) external view returns (uint32) {
        return _authorityById[keccak256(bytes(id))];
    }

    function authority(uint32 authority_)
        external
        view
        returns (
            string memory id,
            string memory nameZh,
            string memory nameEn,
            string memory jurisdiction,
            bool suspended,
            uint64 graceUntil,
            uint32 keyCount,
            bytes32 batchHead,
            bytes32 statusHead
        )
    {
        Authority storage a = _existing(authority_);
        return (
            a.id,
            a.nameZh,
            a.nameEn,
            a.jurisdiction,
            a.suspended,
            a.graceUntil,
            a.keyCount,
            _head(a.batchHead),
            _head(a.statusHead)
        );
    }

    function scopes(uint32 authority_) external view returns (Scope[] memory) {
        _existing(authority_);
        return _scopeList[authority_];
    }

    function scope(uint32 authority_, uint8 licenceType, bytes6 region)
        external
        view
        returns (bool enabled, uint64 graceUntil)
    {
        ScopeState storage s = _scopes[authority_][licenceType][region];
        return (s.enabled, s.graceUntil);
    }

    function key(uint32 authority_, uint32 keyId)
        external
        view
        returns (bytes memory publicKey, uint64 validFrom, uint64 validUntil, uint64 compromisedAt)
    {
        _existing(authority_);
        Key storage k = _existingKey(authority_, keyId);
        return (abi.encodePacked(k.prefix, k.x), k.validFrom, k.validUntil, k.compromisedAt);
    }

    // ------------------------------------------------------------------ internals

    function _head(bytes32 stored) private pure returns (bytes32) {
        return stored == ZERO_HEAD ? bytes32(0) : stored;
    }

    function _existingProposal(uint256 proposalId) private view returns (Proposal storage) {
        if (proposalId == 0 || proposalId > _proposalCount) revert RegistryProposalUnknown(proposalId);
        return _proposals[proposalId];
    }

    /// A proposal that may still be approved: not executed, cancelled or expired.
    function _open(uint256 proposalId) private view returns (Proposal storage p) {
        p = _existingProposal(proposalId);
        if (p.executed) revert RegistryProposalAlreadyExecuted(proposalId);
        if (p.cancelled) revert RegistryProposalCancelled(proposalId);
        if (block.timestamp > p.expiresAt) revert RegistryProposalExpired(proposalId, p.expiresAt);
    }

    function _approve(uint256 proposalId, Proposal storage p) private {
        _approvedIn[proposalId][msg.sender] = _members[msg.sender].generation;
        uint256 approvals = _approvals(proposalId);
        emit ProposalApproved(proposalId, msg.sender, approvals);
        if (approvals < _threshold) return;

        p.executed = true;
        (bool ok, bytes memory returnData) = address(this).call(p.action);
        if (!ok) revert RegistryProposalFailed(proposalId, returnData);
        emit ProposalExecuted(proposalId);
    }

    /// Counts approvals of current members given in their current membership, so a
    /// removed member's approval lapses and does not return when they are added again.
    function _approvals(uint256 proposalId) private view returns (uint256 count) {
        mapping(address => uint32) storage approvedIn = _approvedIn[proposalId];
        for (uint256 i = 0; i < _council.length; ++i) {
            address member = _council[i];
            if (approvedIn[member] == _members[member].generation) ++count;
        }
    }

    /// Only onlySelf functions may be proposed, so a proposal that could never execute
    /// (or one that calls propose/approve on itself) is refused up front.
    function _checkAction(bytes calldata action) private pure {
        bytes4 selector = action.length >= 4 ? bytes4(action[:4]) : bytes4(0);
        if (
            selector != this.addCouncilMember.selector && selector != this.removeCouncilMember.selector
                && selector != this.setThreshold.selector && selector != this.registerAuthority.selector
                && selector != this.setScope.selector && selector != this.suspendAuthority.selector
                && selector != this.reinstateAuthority.selector && selector != this.setAuthorityAccount.selector
                && selector != this.councilSetStatus.selector && selector != this.councilSetKeyCompromised.selector
                && selector != this.councilSetKeyValidUntil.selector
        ) revert RegistryInvalidAction(selector);
    }

    function _register(
        string calldata id,
        string calldata nameZh,
        string calldata nameEn,
        string calldata jurisdiction
    ) private returns (uint32 authority_) {
        if (bytes(id).length == 0) revert RegistryInvalidAuthorityId(id);
        bytes32 idHash = keccak256(bytes(id));
        if (_authorityById[idHash] != 0) revert RegistryAuthorityIdTaken(id);
        authority_ = ++_authorityCount;
        _authorityById[idHash] = authority_;
        Authority storage a = _authorities[authority_];
        a.batchHead = ZERO_HEAD;
        a.statusHead = ZERO_HEAD;
        a.id = id;
        a.nameZh = nameZh;
        a.nameEn = nameEn;
        a.jurisdiction = jurisdiction;
        emit AuthorityRegistered(authority_, id, nameZh, nameEn, jurisdiction);
    }

    function _addCouncilMember(address account) private {
        if (account == address(0) || account == address(this)) revert RegistryInvalidAccount(account);
        Member storage m = _members[account];
        if (m.active) revert RegistryCouncilMemberExists(account);
        m.active = true;
        uint32 generation = ++m.generation;
        _council.push(account);
        emit CouncilMemberAdded(account, generation);
    }

    function _setThreshold(uint8 threshold_) private {
        _checkThreshold(threshold_, _council.length);
        uint8 old = _threshold;
        if (old == threshold_) return;
        _threshold = threshold_;
        emit ThresholdChanged(old, threshold_);
    }

    /// At least 2 approvals and more than half the council, so no single member and no
    /// minority acts alone; `dev` set-ups may run 1-of-1.
    function _checkThreshold(uint256 threshold_, uint256 members) private view {
        bool reachable = threshold_ >= 1 && threshold_ <= members;
        if (!reachable || (!_dev && (threshold_ < 2 || 2 * threshold_ <= members))) {
            revert RegistryInvalidThreshold(threshold_, members);
        }
    }

    function _setAccount(uint32 authority_, address account, uint8 roles) private {
        if (roles > ALL_ROLES) revert RegistryInvalidRoles(roles);
        if (account == address(0) || account == address(this)) revert RegistryInvalidAccount(account);
        Account storage acc = _accounts[account];
        uint32 current = acc.authority;
        if (current != 0 && current != authority_) revert RegistryAccountTaken(account, current);
        uint8 old = acc.roles;
        if (old == roles) return;
        if (roles == 0) {
            delete _accounts[account];
        } else {
            acc.authority = authority_;
            acc.roles = roles;
        }
        emit AuthorityAccountSet(authority_, account, old, roles);
    }

    function _setScope(uint32 authority_, uint8 licenceType, bytes6 region, bool enabled, uint64 graceUntil)
        private
    {
        if (licenceType == 0) revert RegistryInvalidLicenceType(licenceType);
        _checkRegion(region);
        ScopeState storage s = _scopes[authority_][licenceType][region];
        if (enabled) {
            if (s.enabled) return;
            _scopeList[authority_].push(Scope(licenceType, region));
            s.position = uint32(_scopeList[authority_].length);
            s.enabled = true;
            s.held = true;
            s.graceUntil = 0;
            emit ScopeChanged(authority_, licenceType, region, true, 0);
            return;
        }
        if (!s.enabled) {
            if (!s.held) revert RegistryScopeNotAccredited(authority_, licenceType, region);
            if (s.graceUntil == graceUntil) return;
        } else {
            _removeFromList(authority_, s.position);
            s.enabled = false;
            s.position = 0;
        }
        s.graceUntil = graceUntil;
        emit ScopeChanged(authority_, licenceType, region, false, graceUntil);
    }

    function _removeFromList(uint32 authority_, uint32 position) private {
        Scope[] storage list = _scopeList[authority_];
        uint256 last = list.length;
        if (position != last) {
            Scope memory moved = list[last - 1];
            list[position - 1] = moved;
            _scopes[authority_][moved.licenceType][moved.region].position = position;
        }
        list.pop();
    }

    /// 0, 2, 4 or 6 ASCII digits (a GB/T 2260 division code prefix), then zero bytes.
    function _checkRegion(bytes6 region) private pure {
        uint256 digits = 0;
        while (digits < 6 && region[digits] != 0) {
            bytes1 c = region[digits];
            if (c < "0" || c > "9") revert RegistryInvalidRegion(region);
            ++digits;
        }
        for (uint256 i = digits; i < 6; ++i) {
            if (region[i] != 0) revert RegistryInvalidRegion(region);
        }
        if (digits % 2 != 0) revert RegistryInvalidRegion(region);
    }

    /// The authority the caller acts for, when the caller holds `role` for it.
    function _authorityWith(uint8 role) private view returns (uint32) {
        Account memory acc = _accounts[msg.sender];
        if (acc.roles & role == 0) revert RegistryMissingRole(msg.sender, acc.authority, role);
        return acc.authority;
    }

    function _existing(uint32 authority_) private view returns (Authority storage) {
        if (authority_ == 0 || authority_ > _authorityCount) revert RegistryAuthorityUnknown(authority_);
        return _authorities[authority_];
    }

    function _existingKey(uint32 authority_, uint32 keyId) private view returns (Key storage) {
        if (keyId == 0 || keyId > _authorities[authority_].keyCount) {
            revert RegistryKeyUnknown(authority_, keyId);
        }
        return _keys[authority_][keyId];
    }

    function _checkStatus(
        uint8 status,
        uint64 until,
        uint8 reasonClass,
        bytes calldata refs,
        bytes calldata successors
    ) private view {
        if (status < REVOKED || status > BATCH_WITHDRAWN) revert RegistryInvalidStatus(status);
        if (reasonClass > COUNCIL_WITHDRAWN) revert RegistryInvalidReasonClass(reasonClass);
        if (refs.length == 0 || refs.length % NODE != 0) revert RegistryInvalidRefs(refs.length);
        if (refs.length > MAX_REFS * NODE) revert RegistryTooManyRefs(refs.length / NODE, MAX_REFS);
        // Only a suspension has an end, and it lies in the future.
        if (status == SUSPENDED ? until <= block.timestamp : until != 0) {
            revert RegistryInvalidUntil(status, until);
        }
        uint256 expected = status == SUPERSEDED ? refs.length : 0;
        if (successors.length != expected) revert RegistryInvalidSuccessors(successors.length, expected);
    }

    function _setStatus(
        uint32 authority_,
        uint8 status,
        uint64 until,
        uint8 reasonClass,
        bytes calldata refs,
        bytes calldata successors
    ) private {
        Authority storage a = _authorities[authority_];
        bytes32 head =
            keccak256(abi.encodePacked(_head(a.statusHead), status, until, reasonClass, refs, successors));
        a.statusHead = head;
        emit StatusChanged(authority_, status, until, reasonClass, refs, successors, head);
    }
}
