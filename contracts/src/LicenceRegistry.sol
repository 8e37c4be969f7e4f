// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import {ILicenceRegistry} from "./ILicenceRegistry.sol";

/**
 * @title LicenceRegistry
 * @notice Implements ILicenceRegistry. Batches and statuses live in events, committed by
 * per-authority running heads (docs/decisions/0002-state-in-events.md); only authority
 * records, keys, council and proposals are kept in storage.
 *
 * Conventions (docs/decisions/0010-contract-conventions.md):
 * - access is checked first, then state, then arguments;
 * - `set*` functions are idempotent: setting the current value succeeds and emits nothing;
 *   transitions (add, remove, suspend, reinstate, mark compromised) revert when the target
 *   state already holds;
 * - every real change emits one past-tense event right after it.
 */
contract LicenceRegistry is ILicenceRegistry {
    uint256 private constant NODE = 16; // bytes per root / status reference
    uint256 private constant MAX_ROOTS = 16;
    uint256 private constant MAX_LICENCE_TYPE = 63; // accreditation is a uint64 bitmask

    // Stored in place of a zero head, so an authority's first anchor or status change
    // rewrites a non-zero slot (5,000 gas) rather than filling a zero one (22,100 gas);
    // registration pays that once. keccak256 never yields this value in practice.
    bytes32 private constant ZERO_HEAD = bytes32(uint256(1));

    uint8 private constant REVOKED = 1;
    uint8 private constant SUSPENDED = 2;
    uint8 private constant REINSTATED = 3;
    uint8 private constant SUPERSEDED = 4;

    struct Proposal {
        address proposer;
        bool executed;
        bytes action;
    }

    // Hot fields first: anchor/setStatus touch only the first three slots.
    struct Authority {
        uint64 accreditedTypes;
        bool suspended;
        uint32 keyCount;
        bytes32 batchHead;
        bytes32 statusHead;
        string id;
        string nameZh;
        string nameEn;
        string jurisdiction;
    }

    // A compressed P-256 key in two slots: prefix byte (0x02/0x03) + x coordinate.
    struct Key {
        bytes1 prefix;
        uint64 validFrom;
        uint64 validUntil;
        uint64 compromisedAt;
        bytes32 x;
    }

    address[] private _council;
    mapping(address account => bool) private _isCouncilMember;
    uint8 private _threshold;

    uint256 private _proposalCount;
    mapping(uint256 proposalId => Proposal) private _proposals;
    mapping(uint256 proposalId => mapping(address member => bool)) private _approved;

    uint32 private _authorityCount;
    mapping(uint32 authority => Authority) private _authorities;
    mapping(bytes32 idHash => uint32 authority) private _authorityById;
    mapping(address account => uint32 authority) private _authorityOf;
    mapping(uint32 authority => mapping(uint32 keyId => Key)) private _keys;

    modifier onlySelf() {
        if (msg.sender != address(this)) revert RegistryOnlySelf(msg.sender);
        _;
    }

    modifier onlyCouncil() {
        if (!_isCouncilMember[msg.sender]) revert RegistryNotCouncilMember(msg.sender);
        _;
    }

    constructor(address[] memory council, uint8 threshold_) {
        for (uint256 i = 0; i < council.length; ++i) {
            _addCouncilMember(council[i]);
        }
        _setThreshold(threshold_);
    }

    // ------------------------------------------------------------------ governance

    function propose(bytes calldata action) external onlyCouncil returns (uint256 proposalId) {
        _checkAction(action);
        proposalId = ++_proposalCount;
        Proposal storage p = _proposals[proposalId];
        p.proposer = msg.sender;
        p.action = action;
        emit ProposalCreated(proposalId, msg.sender, action);
        _approve(proposalId, p);
    }

    function approve(uint256 proposalId) external onlyCouncil {
        if (proposalId == 0 || proposalId > _proposalCount) revert RegistryProposalUnknown(proposalId);
        Proposal storage p = _proposals[proposalId];
        if (p.executed) revert RegistryProposalAlreadyExecuted(proposalId);
        if (_approved[proposalId][msg.sender]) revert RegistryProposalAlreadyApproved(proposalId, msg.sender);
        _approve(proposalId, p);
    }

    function addCouncilMember(address account) external onlySelf {
        _addCouncilMember(account);
    }

    function removeCouncilMember(address account) external onlySelf {
        if (!_isCouncilMember[account]) revert RegistryCouncilMemberUnknown(account);
        uint256 remaining = _council.length - 1;
        if (_threshold > remaining) revert RegistryInvalidThreshold(_threshold, remaining);
        for (uint256 i = 0; i < _council.length; ++i) {
            if (_council[i] == account) {
                _council[i] = _council[remaining];
                _council.pop();
                break;
            }
        }
        _isCouncilMember[account] = false;
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
        uint64 accreditedTypes,
        address[] calldata accounts
    ) external onlySelf returns (uint32 authority_) {
        if (bytes(id).length == 0) revert RegistryInvalidAuthorityId(id);
        bytes32 idHash = keccak256(bytes(id));
        if (_authorityById[idHash] != 0) revert RegistryAuthorityIdTaken(id);
        _checkTypes(accreditedTypes);

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

        if (accreditedTypes != 0) {
            a.accreditedTypes = accreditedTypes;
            emit AccreditationChanged(authority_, 0, accreditedTypes);
        }
        for (uint256 i = 0; i < accounts.length; ++i) {
            _enableAccount(authority_, accounts[i]);
        }
    }

    function setAccreditation(uint32 authority_, uint64 accreditedTypes) external onlySelf {
        Authority storage a = _existing(authority_);
        _checkTypes(accreditedTypes);
        uint64 old = a.accreditedTypes;
        if (old == accreditedTypes) return;
        a.accreditedTypes = accreditedTypes;
        emit AccreditationChanged(authority_, old, accreditedTypes);
    }

    function suspendAuthority(uint32 authority_) external onlySelf {
        Authority storage a = _existing(authority_);
        if (a.suspended) revert RegistryAuthoritySuspended(authority_);
        a.suspended = true;
        emit AuthoritySuspended(authority_);
    }

    function reinstateAuthority(uint32 authority_) external onlySelf {
        Authority storage a = _existing(authority_);
        if (!a.suspended) revert RegistryAuthorityNotSuspended(authority_);
        a.suspended = false;
        emit AuthorityReinstated(authority_);
    }

    function setAuthorityAccount(uint32 authority_, address account, bool enabled) external onlySelf {
        _existing(authority_);
        if (enabled) {
            if (_authorityOf[account] == authority_) return;
            _enableAccount(authority_, account);
        } else {
            uint32 current = _authorityOf[account];
            if (current == 0) return;
            if (current != authority_) revert RegistryAccountTaken(account, current);
            delete _authorityOf[account];
            emit AuthorityAccountSet(authority_, account, false);
        }
    }

    function councilSetStatus(
        uint32 authority_,
        uint8 status,
        uint64 until,
        uint16 reason,
        bytes calldata refs,
        bytes calldata successors
    ) external onlySelf {
        _existing(authority_);
        _checkStatus(status, until, refs, successors);
        _setStatus(authority_, status, until, reason, refs, successors);
    }

    function councilMarkKeyCompromised(uint32 authority_, uint32 keyId, uint64 compromisedAt)
        external
        onlySelf
    {
        _existing(authority_);
        _markKeyCompromised(authority_, keyId, compromisedAt);
    }

    // ------------------------------------------------------------------ authority accounts

    function addKey(bytes calldata publicKey, uint64 validFrom, uint64 validUntil)
        external
        returns (uint32 keyId)
    {
        uint32 authority_ = _callerAuthority();
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
        uint32 authority_ = _callerAuthority();
        Key storage k = _existingKey(authority_, keyId);
        uint64 old = k.validUntil;
        if (validUntil == old) return;
        if (validUntil > old || validUntil <= k.validFrom) {
            revert RegistryInvalidKeyWindow(k.validFrom, validUntil);
        }
        k.validUntil = validUntil;
        emit KeyValidUntilChanged(authority_, keyId, old, validUntil);
    }

    function markKeyCompromised(uint32 keyId, uint64 compromisedAt) external {
        _markKeyCompromised(_callerAuthority(), keyId, compromisedAt);
    }

    function anchor(uint8 licenceType, uint32 count, bytes calldata roots) external {
        uint32 authority_ = _callerAuthority();
        Authority storage a = _authorities[authority_];
        if (a.suspended) revert RegistryAuthoritySuspended(authority_);
        if (licenceType == 0 || licenceType > MAX_LICENCE_TYPE) {
            revert RegistryInvalidLicenceType(licenceType);
        }
        if (a.accreditedTypes & (uint64(1) << licenceType) == 0) {
            revert RegistryTypeNotAccredited(authority_, licenceType);
        }
        if (count == 0) revert RegistryEmptyBatch();
        if (roots.length == 0 || roots.length > MAX_ROOTS * NODE || roots.length % NODE != 0) {
            revert RegistryInvalidRoots(roots.length);
        }
        uint64 anchoredAt = uint64(block.timestamp);
        bytes32 head = keccak256(abi.encodePacked(_head(a.batchHead), licenceType, count, anchoredAt, roots));
        a.batchHead = head;
        emit BatchAnchored(authority_, licenceType, count, anchoredAt, roots, head);
    }

    function setStatus(
        uint8 status,
        uint64 until,
        uint16 reason,
        bytes calldata refs,
        bytes calldata successors
    ) external {
        uint32 authority_ = _callerAuthority();
        _checkStatus(status, until, refs, successors);
        // A suspended authority may still withdraw trust (revoke, suspend), not extend it.
        if (status != REVOKED && status != SUSPENDED && _authorities[authority_].suspended) {
            revert RegistryAuthoritySuspended(authority_);
        }
        _setStatus(authority_, status, until, reason, refs, successors);
    }

    // ------------------------------------------------------------------ views

    function threshold() external view returns (uint8) {
        return _threshold;
    }

    function councilMembers() external view returns (address[] memory) {
        return _council;
    }

    function isCouncilMember(address account) external view returns (bool) {
        return _isCouncilMember[account];
    }

    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    function proposal(uint256 proposalId)
        external
        view
        returns (address proposer, bytes memory action, uint256 approvals, bool executed)
    {
        if (proposalId == 0 || proposalId > _proposalCount) revert RegistryProposalUnknown(proposalId);
        Proposal storage p = _proposals[proposalId];
        return (p.proposer, p.action, _approvals(proposalId), p.executed);
    }

    function hasApproved(uint256 proposalId, address member) external view returns (bool) {
        return _approved[proposalId][member];
    }

    function authorityCount() external view returns (uint32) {
        return _authorityCount;
    }

    function authorityOf(address account) external view returns (uint32) {
        return _authorityOf[account];
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
            uint64 accreditedTypes,
            bool suspended,
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
            a.accreditedTypes,
            a.suspended,
            a.keyCount,
            _head(a.batchHead),
            _head(a.statusHead)
        );
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

    function _approve(uint256 proposalId, Proposal storage p) private {
        _approved[proposalId][msg.sender] = true;
        uint256 approvals = _approvals(proposalId);
        emit ProposalApproved(proposalId, msg.sender, approvals);
        if (approvals < _threshold) return;

        p.executed = true;
        (bool ok, bytes memory returnData) = address(this).call(p.action);
        if (!ok) revert RegistryProposalFailed(proposalId, returnData);
        emit ProposalExecuted(proposalId);
    }

    /// Counts approvals of current members only, so a removed member's approval lapses.
    function _approvals(uint256 proposalId) private view returns (uint256 count) {
        mapping(address => bool) storage approved = _approved[proposalId];
        for (uint256 i = 0; i < _council.length; ++i) {
            if (approved[_council[i]]) ++count;
        }
    }

    /// Only onlySelf functions may be proposed, so a proposal that could never execute
    /// (or one that calls propose/approve on itself) is refused up front.
    function _checkAction(bytes calldata action) private pure {
        bytes4 selector = action.length >= 4 ? bytes4(action[:4]) : bytes4(0);
        if (
            selector != this.addCouncilMember.selector
                && selector != this.removeCouncilMember.selector
                && selector != this.setThreshold.selector
                && selector != this.registerAuthority.selector
                && selector != this.setAccreditation.selector
                && selector != this.suspendAuthority.selector
                && selector != this.reinstateAuthority.selector
                && selector != this.setAuthorityAccount.selector
                && selector != this.councilSetStatus.selector
                && selector != this.councilMarkKeyCompromised.selector
        ) revert RegistryInvalidAction(selector);
    }

    function _addCouncilMember(address account) private {
        if (account == address(0) || account == address(this)) revert RegistryInvalidAccount(account);
        if (_isCouncilMember[account]) revert RegistryCouncilMemberExists(account);
        _isCouncilMember[account] = true;
        _council.push(account);
        emit CouncilMemberAdded(account);
    }

    function _setThreshold(uint8 threshold_) private {
        if (threshold_ == 0 || threshold_ > _council.length) {
            revert RegistryInvalidThreshold(threshold_, _council.length);
        }
        uint8 old = _threshold;
        if (old == threshold_) return;
        _threshold = threshold_;
        emit ThresholdChanged(old, threshold_);
    }

    function _enableAccount(uint32 authority_, address account) private {
        if (account == address(0) || account == address(this)) revert RegistryInvalidAccount(account);
        uint32 current = _authorityOf[account];
        if (current != 0) revert RegistryAccountTaken(account, current);
        _authorityOf[account] = authority_;
        emit AuthorityAccountSet(authority_, account, true);
    }

    function _checkTypes(uint64 types) private pure {
        if (types & 1 != 0) revert RegistryInvalidLicenceType(0);
    }

    function _callerAuthority() private view returns (uint32 authority_) {
        authority_ = _authorityOf[msg.sender];
        if (authority_ == 0) revert RegistryUnauthorizedAccount(msg.sender, 0);
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

    function _markKeyCompromised(uint32 authority_, uint32 keyId, uint64 compromisedAt) private {
        Key storage k = _existingKey(authority_, keyId);
        if (compromisedAt == 0) revert RegistryInvalidCompromisedAt(compromisedAt);
        uint64 current = k.compromisedAt;
        if (current != 0 && compromisedAt >= current) {
            revert RegistryKeyAlreadyCompromised(authority_, keyId, current);
        }
        k.compromisedAt = compromisedAt;
        emit KeyCompromised(authority_, keyId, compromisedAt);
    }

    function _checkStatus(uint8 status, uint64 until, bytes calldata refs, bytes calldata successors)
        private
        view
    {
        if (status < REVOKED || status > SUPERSEDED) revert RegistryInvalidStatus(status);
        if (refs.length == 0 || refs.length % NODE != 0) revert RegistryInvalidRefs(refs.length);
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
        uint16 reason,
        bytes calldata refs,
        bytes calldata successors
    ) private {
        Authority storage a = _authorities[authority_];
        bytes32 head =
            keccak256(abi.encodePacked(_head(a.statusHead), status, until, reason, refs, successors));
        a.statusHead = head;
        emit StatusChanged(authority_, status, until, reason, refs, successors, head);
    }
}
