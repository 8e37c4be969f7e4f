// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/**
 * @title ILicenceRegistry
 * @notice Trust registry shared by the licensing authorities of many jurisdictions.
 *
 * The chain holds no personal data: authority records and signing keys, batch roots
 * (16-byte Merkle roots over licences) and status changes keyed by opaque random
 * 16-byte status references. Batch and status state is carried in events and committed
 * on chain by a per-authority running hash ("head"), so an indexer that replays the
 * events can prove with one call that it has seen every one of them
 * (see docs/decisions/0002-state-in-events.md).
 *
 * Governance: a council of N root authorities approves registry changes M-of-N. A
 * change is a call to one of the `onlySelf` functions below, proposed as ABI-encoded
 * calldata and executed by the registry itself once M members have approved it.
 *
 * Head formulas (abi.encodePacked, keccak256):
 *   batchHead'  = keccak256(batchHead, uint8 licenceType, uint32 count, uint64 anchoredAt, bytes roots)
 *   statusHead' = keccak256(statusHead, uint8 status, uint64 until, uint16 reason, bytes refs, bytes successors)
 * Both start at bytes32(0) for a new authority.
 *
 * Conventions (docs/decisions/0010-contract-conventions.md): access is checked first,
 * then state, then arguments. `set*` functions are idempotent: setting the current value
 * succeeds and emits nothing. Transitions (add, remove, suspend, reinstate, mark
 * compromised) revert when the target state already holds. A suspended authority may
 * only withdraw trust: revoke or suspend licences, shorten or compromise keys.
 */
interface ILicenceRegistry {
    // ------------------------------------------------------------------ types
    /// Status codes carried by StatusChanged. Revoked is final; indexers ignore later changes.
    /// 1 = revoked, 2 = suspended until `until`, 3 = reinstated (active again), 4 = superseded.

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
    error RegistryAuthorityUnknown(uint32 authority);
    error RegistryAuthorityIdTaken(string id);
    error RegistryAuthoritySuspended(uint32 authority);
    error RegistryAuthorityNotSuspended(uint32 authority);
    error RegistryAccountTaken(address account, uint32 authority);
    error RegistryUnauthorizedAccount(address account, uint32 authority);
    error RegistryTypeNotAccredited(uint32 authority, uint8 licenceType);
    error RegistryInvalidLicenceType(uint8 licenceType);
    error RegistryKeyUnknown(uint32 authority, uint32 keyId);
    error RegistryInvalidKey(uint256 length);
    error RegistryInvalidKeyWindow(uint64 validFrom, uint64 validUntil);
    error RegistryKeyAlreadyCompromised(uint32 authority, uint32 keyId, uint64 compromisedAt);
    error RegistryInvalidRoots(uint256 length);
    error RegistryInvalidRefs(uint256 length);
    error RegistryInvalidStatus(uint8 status);
    error RegistryEmptyBatch();
    // Added with the implementation (contracts helper, see docs/decisions/0010-contract-conventions.md).
    error RegistryInvalidAction(bytes4 selector);
    error RegistryInvalidAccount(address account);
    error RegistryInvalidAuthorityId(string id);
    error RegistryInvalidKeyPrefix(bytes1 prefix);
    error RegistryInvalidCompromisedAt(uint64 compromisedAt);
    error RegistryInvalidUntil(uint8 status, uint64 until);
    error RegistryInvalidSuccessors(uint256 length, uint256 expected);

    // ------------------------------------------------------------------ events
    event CouncilMemberAdded(address indexed account);
    event CouncilMemberRemoved(address indexed account);
    event ThresholdChanged(uint8 oldThreshold, uint8 newThreshold);
    event ProposalCreated(uint256 indexed proposalId, address indexed proposer, bytes action);
    event ProposalApproved(uint256 indexed proposalId, address indexed member, uint256 approvals);
    event ProposalExecuted(uint256 indexed proposalId);

    event AuthorityRegistered(
        uint32 indexed authority, string id, string nameZh, string nameEn, string jurisdiction
    );
    event AccreditationChanged(uint32 indexed authority, uint64 oldTypes, uint64 newTypes);
    event AuthoritySuspended(uint32 indexed authority);
    event AuthorityReinstated(uint32 indexed authority);
    event AuthorityAccountSet(uint32 indexed authority, address indexed account, bool enabled);

    event KeyAdded(
        uint32 indexed authority, uint32 indexed keyId, bytes publicKey, uint64 validFrom, uint64 validUntil
    );
    event KeyValidUntilChanged(uint32 indexed authority, uint32 indexed keyId, uint64 oldValidUntil, uint64 newValidUntil);
    event KeyCompromised(uint32 indexed authority, uint32 indexed keyId, uint64 compromisedAt);

    event BatchAnchored(
        uint32 indexed authority, uint8 licenceType, uint32 count, uint64 anchoredAt, bytes roots, bytes32 head
    );
    event StatusChanged(
        uint32 indexed authority, uint8 status, uint64 until, uint16 reason, bytes refs, bytes successors, bytes32 head
    );

    // ------------------------------------------------------------------ governance
    /// Proposes `action` (calldata for an onlySelf function of this registry) and approves it.
    /// Requirements: caller is a council member. Emits ProposalCreated, ProposalApproved,
    /// and ProposalExecuted (plus the action's events) when the threshold is reached.
    function propose(bytes calldata action) external returns (uint256 proposalId);

    /// Requirements: caller is a council member who has not approved; the proposal exists
    /// and is not executed. Executes when approvals reach the threshold; reverts with
    /// RegistryProposalFailed if the action reverts.
    function approve(uint256 proposalId) external;

    // onlySelf: reached only through an executed proposal.
    function addCouncilMember(address account) external;
    function removeCouncilMember(address account) external;
    function setThreshold(uint8 threshold) external;
    function registerAuthority(
        string calldata id,
        string calldata nameZh,
        string calldata nameEn,
        string calldata jurisdiction,
        uint64 accreditedTypes,
        address[] calldata accounts
    ) external returns (uint32 authority);
    function setAccreditation(uint32 authority, uint64 accreditedTypes) external;
    function suspendAuthority(uint32 authority) external;
    function reinstateAuthority(uint32 authority) external;
    function setAuthorityAccount(uint32 authority, address account, bool enabled) external;
    function councilSetStatus(
        uint32 authority, uint8 status, uint64 until, uint16 reason, bytes calldata refs, bytes calldata successors
    ) external;
    function councilMarkKeyCompromised(uint32 authority, uint32 keyId, uint64 compromisedAt) external;

    // ------------------------------------------------------------------ authority accounts
    /// Registers a P-256 signing key (33-byte compressed SEC1) for the caller's authority.
    /// Requirements: active authority; prefix 0x02/0x03; validFrom < validUntil and
    /// validUntil in the future. keyIds count 1, 2, ... per authority.
    function addKey(bytes calldata publicKey, uint64 validFrom, uint64 validUntil) external returns (uint32 keyId);
    /// Shortens a key's validity (rotation). Requirements: validFrom < newValidUntil <=
    /// current validUntil (equal: no-op, nothing emitted).
    function setKeyValidUntil(uint32 keyId, uint64 validUntil) external;
    /// Marks a key compromised from `compromisedAt` on (may be in the past); only moves earlier.
    /// Requirements: compromisedAt > 0 and strictly earlier than a previous mark.
    function markKeyCompromised(uint32 keyId, uint64 compromisedAt) external;

    /// Anchors one batch: `roots` is 1..16 packed 16-byte Merkle roots of one licence type.
    /// Requirements: caller is an account of an active authority accredited for the type
    /// (1..63); count > 0. Gas does not depend on count.
    function anchor(uint8 licenceType, uint32 count, bytes calldata roots) external;

    /// Changes the status of licences of the caller's authority: `refs` is packed 16-byte
    /// status references; `successors` is empty, or (status 4) one 16-byte successor per ref.
    /// `until` is 0 except for status 2, where it lies in the future. The registry keeps no
    /// per-licence state: indexers apply "revoked is final" when replaying.
    function setStatus(uint8 status, uint64 until, uint16 reason, bytes calldata refs, bytes calldata successors) external;

    // ------------------------------------------------------------------ views
    function threshold() external view returns (uint8);
    function councilMembers() external view returns (address[] memory);
    function isCouncilMember(address account) external view returns (bool);
    function proposalCount() external view returns (uint256);
    /// `approvals` counts current council members only: a removed member's approval lapses.
    function proposal(uint256 proposalId)
        external view returns (address proposer, bytes memory action, uint256 approvals, bool executed);
    function hasApproved(uint256 proposalId, address member) external view returns (bool);
    function authorityCount() external view returns (uint32);
    /// 0 when the account acts for no authority.
    function authorityOf(address account) external view returns (uint32);
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
            uint64 accreditedTypes,
            bool suspended,
            uint32 keyCount,
            bytes32 batchHead,
            bytes32 statusHead
        );
    function key(uint32 authority, uint32 keyId)
        external view returns (bytes memory publicKey, uint64 validFrom, uint64 validUntil, uint64 compromisedAt);
}
