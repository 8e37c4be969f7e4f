// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title ILicenceRegistry
 * @notice Trust registry shared by the licensing authorities of many jurisdictions.
 *
 * The chain holds no personal data: authority records, role accounts, accredited scopes
 * and signing keys, batch roots (16-byte Merkle roots over licences) and status changes
 * keyed by opaque random 16-byte status references, each with one public reason class.
 * Batch and status state is carried in events and committed on chain by a per-authority
 * running hash ("head"), so an indexer that replays the events can prove with one call
 * that it has seen every one of them (see docs/decisions/0002-state-in-events.md).
 *
 * Governance: a council of N root authorities approves registry changes M-of-N
 * (M >= 2 and 2M > N unless deployed with `dev`). A change is a call to one of the
 * `onlySelf` functions below, proposed as ABI-encoded calldata and executed by the
 * registry itself once M current members have approved it before the proposal expires.
 *
 * Roles (docs/decisions/0110-roles-and-bounded-powers.md): each authority acts through
 * accounts holding a bitmask of roles: ANCHOR = 1 (anchor batches; the only role a claim
 * server holds), STATUS = 2 (licence status changes), KEYS = 4 (add keys, shorten a key's
 * validity, mark a key compromised from now on). Back-dated key changes, withdrawals of
 * any authority's licences or batches, scopes and accounts belong to the council.
 *
 * Scopes: an authority is accredited for (licence type, region) pairs. A region is the
 * ASCII digits of a GB/T 2260 division code prefix (2, 4 or 6 digits, e.g. "32" Jiangsu,
 * "3201" Nanjing) right-padded with zero bytes to bytes6; all zero = nationwide. A batch
 * declares the scope it is issued under, which must be one the authority holds.
 *
 * Head formulas (abi.encodePacked, keccak256):
 *   batchHead'  = keccak256(batchHead, uint8 licenceType, bytes6 region, uint32 count,
 *                           uint64 anchoredAt, bytes roots)
 *   statusHead' = keccak256(statusHead, uint8 status, uint64 until, uint8 reasonClass,
 *                           bytes refs, bytes successors)
 * Both start at bytes32(0) for a new authority.
 *
 * Conventions (docs/decisions/0010-contract-conventions.md): access is checked first,
 * then state, then arguments. `set*` functions are idempotent: setting the current value
 * succeeds and emits nothing. Transitions (add, remove, suspend, reinstate, mark
 * compromised, cancel) revert when the target state already holds. A suspended authority
 * may only withdraw trust: revoke or suspend licences, shorten or compromise keys.
 */
interface ILicenceRegistry {
    // ------------------------------------------------------------------ types
    /// Status codes carried by StatusChanged. Revoked and batch-withdrawn are final.
    /// 1 = revoked, 2 = suspended until `until`, 3 = reinstated (active again),
    /// 4 = superseded (one successor per ref), 5 = batch withdrawn (refs are batch roots
    /// of the authority; council only).
    /// Reason classes: 0 = other, 1 = lost or stolen, 2 = replaced, 3 = surrendered,
    /// 4 = withdrawn, 5 = council withdrawn (council only).

    // ------------------------------------------------------------------ errors
    error RegistryNotCouncilMember(address account);
    error RegistryOnlySelf(address caller);
    error RegistryInvalidThreshold(uint256 threshold, uint256 members);
    error RegistryCouncilMemberExists(address account);
    error RegistryCouncilMemberUnknown(address account);
    error RegistryProposalUnknown(uint256 proposalId);
    error RegistryProposalAlreadyApproved(uint256 proposalId, address member);
    error RegistryProposalAlreadyExecuted(uint256 proposalId);
    error RegistryProposalFailed(uint256 proposalId, bytes returnData);
    error RegistryProposalExpired(uint256 proposalId, uint64 expiresAt);
    error RegistryProposalCancelled(uint256 proposalId);
    error RegistryNotProposer(uint256 proposalId, address account);
    error RegistryInvalidLifetime(uint64 lifetime, uint64 max);
    error RegistryAuthorityUnknown(uint32 authority);
    error RegistryAuthorityIdTaken(string id);
    error RegistryAuthoritySuspended(uint32 authority);
    error RegistryAuthorityNotSuspended(uint32 authority);
    error RegistryAccountTaken(address account, uint32 authority);
    error RegistryMissingRole(address account, uint32 authority, uint8 role);
    error RegistryInvalidRoles(uint8 roles);
    error RegistryScopeNotAccredited(uint32 authority, uint8 licenceType, bytes6 region);
    error RegistryInvalidRegion(bytes6 region);
    error RegistryInvalidLicenceType(uint8 licenceType);
    error RegistryKeyUnknown(uint32 authority, uint32 keyId);
    error RegistryInvalidKey(uint256 length);
    error RegistryInvalidKeyPrefix(bytes1 prefix);
    error RegistryInvalidKeyWindow(uint64 validFrom, uint64 validUntil);
    error RegistryKeyAlreadyCompromised(uint32 authority, uint32 keyId, uint64 compromisedAt);
    error RegistryInvalidRoots(uint256 length);
    error RegistryTooManyRoots(uint256 count, uint256 max);
    error RegistryInvalidRefs(uint256 length);
    error RegistryTooManyRefs(uint256 count, uint256 max);
    error RegistryInvalidStatus(uint8 status);
    error RegistryInvalidReasonClass(uint8 reasonClass);
    error RegistryCouncilOnly(uint8 status, uint8 reasonClass);
    error RegistryInvalidUntil(uint8 status, uint64 until);
    error RegistryInvalidSuccessors(uint256 length, uint256 expected);
    error RegistryEmptyBatch();
    error RegistryInvalidAction(bytes4 selector);
    error RegistryInvalidAccount(address account);
    error RegistryInvalidAuthorityId(string id);
    error RegistryInvalidAuditHead(bytes32 head, uint64 count);

    // ------------------------------------------------------------------ structs
    /// A (licence type, region) pair an authority is accredited for.
    struct Scope {
        uint8 licenceType;
        bytes6 region;
    }

    /// An account acting for an authority and the roles (bitmask) it holds.
    struct RoleAccount {
        address account;
        uint8 roles;
    }

    // ------------------------------------------------------------------ events
    event CouncilMemberAdded(address indexed account, uint32 generation);
    event CouncilMemberRemoved(address indexed account);
    event ThresholdChanged(uint8 oldThreshold, uint8 newThreshold);
    event ProposalCreated(uint256 indexed proposalId, address indexed proposer, bytes action, uint64 expiresAt);
    event ProposalApproved(uint256 indexed proposalId, address indexed member, uint256 approvals);
    event ProposalExecuted(uint256 indexed proposalId);
    event ProposalCancelled(uint256 indexed proposalId);

    event AuthorityRegistered(
        uint32 indexed authority, string id, string nameZh, string nameEn, string jurisdiction
    );
    /// enabled = false removes the scope; licences anchored under it before the removal
    /// stay valid (with a warning) until graceUntil, then are invalid.
    event ScopeChanged(
        uint32 indexed authority, uint8 licenceType, bytes6 region, bool enabled, uint64 graceUntil
    );
    /// Licences the authority anchored before the suspension stay valid (with a warning)
    /// until graceUntil, then are invalid while the suspension lasts.
    event AuthoritySuspended(uint32 indexed authority, uint64 graceUntil);
    event AuthorityReinstated(uint32 indexed authority);
    /// roles = 0: the account no longer acts for the authority.
    event AuthorityAccountSet(uint32 indexed authority, address indexed account, uint8 oldRoles, uint8 roles);

    event KeyAdded(
        uint32 indexed authority, uint32 indexed keyId, bytes publicKey, uint64 validFrom, uint64 validUntil
    );
    event KeyValidUntilChanged(uint32 indexed authority, uint32 indexed keyId, uint64 oldValidUntil, uint64 newValidUntil);
    /// compromisedAt = 0: the council cleared a mistaken mark.
    event KeyCompromiseSet(
        uint32 indexed authority, uint32 indexed keyId, uint64 oldCompromisedAt, uint64 compromisedAt
    );

    event BatchAnchored(
        uint32 indexed authority,
        uint8 licenceType,
        bytes6 region,
        uint32 count,
        uint64 anchoredAt,
        bytes roots,
        bytes32 head
    );
    event StatusChanged(
        uint32 indexed authority,
        uint8 status,
        uint64 until,
        uint8 reasonClass,
        bytes refs,
        bytes successors,
        bytes32 head
    );
    /// The head of the authority's off-chain audit log after its first `count` entries.
    event AuditAnchored(uint32 indexed authority, bytes32 head, uint64 count);

    // ------------------------------------------------------------------ governance
    /// Proposes `action` (calldata for an onlySelf function of this registry) and approves
    /// it. `lifetime` seconds until it expires: 0 = 7 days, at most 30 days.
    /// Requirements: caller is a council member. Emits ProposalCreated, ProposalApproved,
    /// and ProposalExecuted (plus the action's events) when the threshold is reached.
    function propose(bytes calldata action, uint64 lifetime) external returns (uint256 proposalId);

    /// Requirements: caller is a council member who has not approved since (re)joining;
    /// the proposal exists, is neither executed nor cancelled, and has not expired.
    /// Executes when approvals of current members reach the threshold; reverts with
    /// RegistryProposalFailed if the action reverts.
    function approve(uint256 proposalId) external;

    /// Withdraws a proposal. Requirements: caller is its proposer and still a council
    /// member; it is neither executed nor cancelled.
    function cancel(uint256 proposalId) external;

    // onlySelf: reached only through an executed proposal.
    function addCouncilMember(address account) external;
    function removeCouncilMember(address account) external;
    function setThreshold(uint8 threshold) external;
    function registerAuthority(
        string calldata id,
        string calldata nameZh,
        string calldata nameEn,
        string calldata jurisdiction,
        Scope[] calldata scopes,
        RoleAccount[] calldata accounts
    ) external returns (uint32 authority);
    /// Enables or disables a scope. graceUntil applies when disabling (a date in the past:
    /// invalid at once; setting another date on a disabled scope changes it) and is stored
    /// as 0 when enabling.
    function setScope(uint32 authority, uint8 licenceType, bytes6 region, bool enabled, uint64 graceUntil) external;
    /// Suspends an authority, or changes the grace date of its current suspension
    /// (the same date again: RegistryAuthoritySuspended).
    function suspendAuthority(uint32 authority, uint64 graceUntil) external;
    function reinstateAuthority(uint32 authority) external;
    /// roles = 0 removes the account.
    function setAuthorityAccount(uint32 authority, address account, uint8 roles) external;
    function councilSetStatus(
        uint32 authority, uint8 status, uint64 until, uint8 reasonClass, bytes calldata refs, bytes calldata successors
    ) external;
    /// Any time, past included; 0 clears a mistaken mark.
    function councilSetKeyCompromised(uint32 authority, uint32 keyId, uint64 compromisedAt) external;
    /// Any end after validFrom, past included (and back again to undo a mistake).
    function councilSetKeyValidUntil(uint32 authority, uint32 keyId, uint64 validUntil) external;

    // ------------------------------------------------------------------ role accounts
    /// KEYS. Registers a P-256 signing key (33-byte compressed SEC1). Requirements: active
    /// authority; prefix 0x02/0x03; validFrom < validUntil, validUntil in the future.
    function addKey(bytes calldata publicKey, uint64 validFrom, uint64 validUntil) external returns (uint32 keyId);
    /// KEYS. Shortens a key's validity (rotation): validFrom < newValidUntil <= current
    /// validUntil and newValidUntil >= now (equal to current: no-op).
    function setKeyValidUntil(uint32 keyId, uint64 validUntil) external;
    /// KEYS. Marks a key compromised from the current block's time on. Allowed while
    /// suspended. Requirements: not already marked at or before now.
    function markKeyCompromised(uint32 keyId) external;

    /// ANCHOR. Anchors one batch issued under scope (licenceType, region): `roots` is
    /// 1..16 packed 16-byte Merkle roots. Requirements: active authority holding exactly
    /// this scope; count > 0. Gas does not depend on count.
    function anchor(uint8 licenceType, bytes6 region, uint32 count, bytes calldata roots) external;

    /// STATUS. Changes the status (1..4) of licences of the caller's authority: `refs` is
    /// 1..256 packed 16-byte status references; `successors` is empty, or (status 4) one
    /// 16-byte successor per ref. `until` is 0 except for status 2, where it lies in the
    /// future. reasonClass 0..4. The registry keeps no per-licence state: indexers apply
    /// "revoked is final" when replaying.
    function setStatus(uint8 status, uint64 until, uint8 reasonClass, bytes calldata refs, bytes calldata successors)
        external;

    /// ANCHOR. Records the head of the caller's authority's hash-chained audit log after its
    /// first `count` entries, so that editing, deleting or reordering an entry that was
    /// anchored is detectable off chain. Allowed while suspended (an audit trail must keep
    /// growing). Requirements: count > 0, head non-zero. Stores nothing: the event is the
    /// record. Emits AuditAnchored.
    function anchorAudit(bytes32 head, uint64 count) external;

    // ------------------------------------------------------------------ views
    function dev() external view returns (bool);
    function threshold() external view returns (uint8);
    function councilMembers() external view returns (address[] memory);
    function isCouncilMember(address account) external view returns (bool);
    function proposalCount() external view returns (uint256);
    /// `approvals` counts current members' approvals given since they last joined.
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
        );
    function hasApproved(uint256 proposalId, address member) external view returns (bool);
    function authorityCount() external view returns (uint32);
    /// (0, 0) when the account acts for no authority.
    function authorityAccount(address account) external view returns (uint32 authority, uint8 roles);
    /// 0 when no authority has this string id.
    function authorityById(string calldata id) external view returns (uint32);
    function authority(uint32 authority)
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
        );
    /// The scopes the authority holds now, in the order they were enabled (a removal moves
    /// the last one into the gap).
    function scopes(uint32 authority) external view returns (Scope[] memory);
    /// enabled, and the grace date given when it was last disabled.
    function scope(uint32 authority, uint8 licenceType, bytes6 region)
        external view returns (bool enabled, uint64 graceUntil);
    function key(uint32 authority, uint32 keyId)
        external view returns (bytes memory publicKey, uint64 validFrom, uint64 validUntil, uint64 compromisedAt);
}
